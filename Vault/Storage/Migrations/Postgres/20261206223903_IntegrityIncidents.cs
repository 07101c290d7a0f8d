using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class IntegrityIncidents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "integrity_incidents",
                columns: table => new
                {
                    record_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    community_code = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    first_seen_ms = table.Column<long>(type: "bigint", nullable: false),
                    last_seen_ms = table.Column<long>(type: "bigint", nullable: false),
                    detections = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_integrity_incidents", x => x.record_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_integrity_incidents_district_code_first_seen_ms_record_id",
                table: "integrity_incidents",
                columns: new[] { "district_code", "first_seen_ms", "record_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "integrity_incidents");
        }
    }
}
