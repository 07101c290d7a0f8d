using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ResidentRecordsInline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A record (layout 2: 2.7 kB for the shipped schema, every resident the same size) is over
            // PostgreSQL's default 2 kB threshold, so it was moved out of line into the TOAST table and
            // every read by id paid a second index probe and two chunk fetches. Rows up to ~4 kB now
            // stay in the table's own page; EXTERNAL stops PostgreSQL trying to compress ciphertext,
            // which never compresses. Both are catalog changes (no rewrite): rows written from now on
            // are stored inline; older rows move when they are next written (edit, rotation).
            migrationBuilder.Sql("ALTER TABLE residents SET (toast_tuple_target = 4080);");
            migrationBuilder.Sql("ALTER TABLE residents ALTER COLUMN data SET STORAGE EXTERNAL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE residents RESET (toast_tuple_target);");
            migrationBuilder.Sql("ALTER TABLE residents ALTER COLUMN data SET STORAGE EXTENDED;");
        }
    }
}
