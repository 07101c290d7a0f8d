using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeySuite : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every key from before the suite was recorded is an AES key (CryptoSuite.Aes = 1).
            migrationBuilder.AddColumn<int>(
                name: "suite",
                table: "vault_keys",
                type: "integer",
                nullable: false,
                defaultValue: 1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "suite",
                table: "vault_keys");
        }
    }
}
