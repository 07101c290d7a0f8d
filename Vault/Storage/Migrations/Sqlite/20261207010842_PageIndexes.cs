using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PageIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_community_code",
                table: "residents");

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_community_code_id_grid_code",
                table: "residents",
                columns: new[] { "district_code", "community_code", "id", "grid_code" });

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_grid_code_id",
                table: "residents",
                columns: new[] { "district_code", "grid_code", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_id",
                table: "residents",
                columns: new[] { "district_code", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_community_code_id_grid_code",
                table: "residents");

            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_grid_code_id",
                table: "residents");

            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_id",
                table: "residents");

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_community_code",
                table: "residents",
                columns: new[] { "district_code", "community_code" });
        }
    }
}
