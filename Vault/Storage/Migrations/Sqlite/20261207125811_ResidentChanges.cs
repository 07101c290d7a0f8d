using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ResidentChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "resident_changes",
                columns: table => new
                {
                    seq = table.Column<long>(type: "INTEGER", nullable: false),
                    txid = table.Column<long>(type: "INTEGER", nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false),
                    resident_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    keys = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    from_community = table.Column<string>(type: "TEXT", maxLength: 12, nullable: true),
                    from_grid = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    to_community = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    to_grid = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    at_ms = table.Column<long>(type: "INTEGER", nullable: false)
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
        }
    }
}
