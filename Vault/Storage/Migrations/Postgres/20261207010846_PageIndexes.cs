using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PageIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Built CONCURRENTLY, outside a transaction, so that a live store keeps taking writes while
            // the indexes are built (a plain CREATE INDEX blocks every insert and update until it is
            // done); the old index is dropped only once its replacement exists. A build that died
            // half-way leaves an INVALID index behind: it is dropped first, so a restart builds it again.
            foreach (var (name, columns) in new[]
            {
                ("IX_residents_district_code_community_code_id_grid_code", "district_code, community_code, id, grid_code"),
                ("IX_residents_district_code_grid_code_id", "district_code, grid_code, id"),
                ("IX_residents_district_code_id", "district_code, id"),
            })
            {
                migrationBuilder.Sql($"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '{name}' AND NOT i.indisvalid) THEN EXECUTE 'DROP INDEX \"{name}\"'; END IF; END $$;", suppressTransaction: true);
                migrationBuilder.Sql($"CREATE INDEX CONCURRENTLY IF NOT EXISTS \"{name}\" ON residents ({columns});", suppressTransaction: true);
            }
            migrationBuilder.Sql("DROP INDEX CONCURRENTLY IF EXISTS \"IX_residents_district_code_community_code\";", suppressTransaction: true);
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
