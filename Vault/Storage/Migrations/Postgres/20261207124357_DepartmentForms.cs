using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DepartmentForms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "department_forms",
                columns: table => new
                {
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    code = table.Column<string>(type: "character varying(48)", maxLength: 48, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    definition = table.Column<string>(type: "character varying(64000)", maxLength: 64000, nullable: false),
                    defined_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    defined_by_unit = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: false),
                    defined_at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_department_forms", x => new { x.district_code, x.code, x.version });
                });

            migrationBuilder.CreateTable(
                name: "form_fill_communities",
                columns: table => new
                {
                    fill_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    community_code = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    rows = table.Column<int>(type: "integer", nullable: false),
                    filled_at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_form_fill_communities", x => new { x.fill_id, x.community_code });
                });

            migrationBuilder.CreateTable(
                name: "form_fills",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    form_code = table.Column<string>(type: "character varying(48)", maxLength: 48, nullable: false),
                    form_version = table.Column<int>(type: "integer", nullable: false),
                    title = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    within = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    purpose = table.Column<string>(type: "character varying(48)", maxLength: 48, nullable: false),
                    filled_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    filled_by_unit = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: false),
                    filled_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    rows = table.Column<int>(type: "integer", nullable: false),
                    withheld = table.Column<int>(type: "integer", nullable: false),
                    policy_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    refill_of = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_form_fills", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_form_fill_comm",
                table: "form_fill_communities",
                columns: new[] { "community_code", "filled_at_ms" });

            migrationBuilder.CreateIndex(
                name: "IX_form_fills_district",
                table: "form_fills",
                columns: new[] { "district_code", "filled_at_ms" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "department_forms");

            migrationBuilder.DropTable(
                name: "form_fill_communities");

            migrationBuilder.DropTable(
                name: "form_fills");
        }
    }
}
