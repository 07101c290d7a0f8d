using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ResidentChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The journal's order (ResidentChangeRow.Insert takes nextval): a plain sequence, not an
            // identity column, so the table can be re-created partitioned by district (DistrictPartitioning).
            migrationBuilder.Sql("CREATE SEQUENCE IF NOT EXISTS resident_change_seq");
            migrationBuilder.CreateTable(
                name: "resident_changes",
                columns: table => new
                {
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    txid = table.Column<long>(type: "bigint", nullable: false),
                    district_code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    resident_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    keys = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    from_community = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    from_grid = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    to_community = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    to_grid = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false),
                    at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resident_changes", x => x.seq);
                });

            migrationBuilder.CreateIndex(
                name: "IX_resident_changes_feed",
                table: "resident_changes",
                columns: new[] { "district_code", "txid", "seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "resident_changes");

            migrationBuilder.Sql("DROP SEQUENCE IF EXISTS resident_change_seq");
        }
    }
}
