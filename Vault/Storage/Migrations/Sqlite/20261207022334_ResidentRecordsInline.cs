using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ResidentRecordsInline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // PostgreSQL only (records kept inline, out of TOAST); SQLite keeps a row's blob in its page
            // and overflow pages already. The migration exists so both providers share one history.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
