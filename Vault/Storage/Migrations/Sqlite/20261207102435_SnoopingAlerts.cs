using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SnoopingAlerts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "snooping_alert_residents",
                columns: table => new
                {
                    alert_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    resident_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_snooping_alert_residents", x => new { x.alert_id, x.resident_id });
                });

            migrationBuilder.CreateTable(
                name: "snooping_alerts",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false),
                    rule = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    day = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    actor_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    actor_unit = table.Column<string>(type: "TEXT", maxLength: 96, nullable: false),
                    actor_role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subject_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    evidence = table.Column<string>(type: "TEXT", nullable: false),
                    measured = table.Column<double>(type: "REAL", nullable: false),
                    threshold = table.Column<double>(type: "REAL", nullable: false),
                    summary_zh = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    summary_en = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    created_at_ms = table.Column<long>(type: "INTEGER", nullable: false),
                    closed_by = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    closed_by_unit = table.Column<string>(type: "TEXT", maxLength: 96, nullable: true),
                    closed_at_ms = table.Column<long>(type: "INTEGER", nullable: true),
                    close_reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_snooping_alerts", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_snooping_alert_residents_resident_id",
                table: "snooping_alert_residents",
                column: "resident_id");

            migrationBuilder.CreateIndex(
                name: "IX_snooping_alerts_finding",
                table: "snooping_alerts",
                columns: new[] { "district_code", "rule", "day", "actor_user_id", "subject_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_snooping_alerts_queue",
                table: "snooping_alerts",
                columns: new[] { "district_code", "status", "created_at_ms" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "snooping_alert_residents");

            migrationBuilder.DropTable(
                name: "snooping_alerts");
        }
    }
}
