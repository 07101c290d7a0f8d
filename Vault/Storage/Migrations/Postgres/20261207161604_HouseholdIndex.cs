using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class HouseholdIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "household_index",
                table: "residents",
                type: "bytea",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_community_code_household_index",
                table: "residents",
                columns: new[] { "district_code", "community_code", "household_index" });

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_household_index",
                table: "residents",
                columns: new[] { "district_code", "household_index" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_community_code_household_index",
                table: "residents");

            migrationBuilder.DropIndex(
                name: "IX_residents_district_code_household_index",
                table: "residents");

            migrationBuilder.DropColumn(
                name: "household_index",
                table: "residents");
        }
    }
}
