using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ResidentSelfServiceForWeb : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_questions",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    resident_district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    resident_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    asked_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    log_id = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    entry_index = table.Column<long>(type: "bigint", nullable: false),
                    text = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    asked_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    answer = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    resolution = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    answered_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    answered_by_unit = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: true),
                    answered_at_ms = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_questions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "correction_requests",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    community_code = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    resident_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    requested_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    field_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    requested_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    resolution = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    response = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    resolved_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    resolved_by_unit = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: true),
                    resolved_at_ms = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_correction_requests", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_questions_district_code_status_asked_at_ms",
                table: "access_questions",
                columns: new[] { "district_code", "status", "asked_at_ms" });

            migrationBuilder.CreateIndex(
                name: "IX_access_questions_resident_id_asked_at_ms",
                table: "access_questions",
                columns: new[] { "resident_id", "asked_at_ms" });

            migrationBuilder.CreateIndex(
                name: "IX_correction_requests_district_code_community_code_status_req~",
                table: "correction_requests",
                columns: new[] { "district_code", "community_code", "status", "requested_at_ms" });

            migrationBuilder.CreateIndex(
                name: "IX_correction_requests_resident_id_requested_at_ms",
                table: "correction_requests",
                columns: new[] { "resident_id", "requested_at_ms" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_questions");

            migrationBuilder.DropTable(
                name: "correction_requests");
        }
    }
}
