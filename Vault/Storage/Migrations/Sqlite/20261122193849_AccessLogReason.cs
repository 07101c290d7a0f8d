using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessLogReason : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Reason",
                table: "AccessLog",
                type: "TEXT",
                maxLength: 500,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Reason",
                table: "AccessLog");
        }
    }
}
