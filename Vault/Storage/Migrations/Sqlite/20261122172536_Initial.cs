using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "residents",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false),
                    street_code = table.Column<string>(type: "TEXT", maxLength: 9, nullable: false),
                    community_code = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    grid_code = table.Column<string>(type: "TEXT", maxLength: 15, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    id_number_index = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    phone_index = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: true),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_residents", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "vault_keys",
                columns: table => new
                {
                    key_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    purpose = table.Column<int>(type: "INTEGER", nullable: false),
                    level = table.Column<int>(type: "INTEGER", nullable: true),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    state = table.Column<int>(type: "INTEGER", nullable: false),
                    wrapped_key = table.Column<byte[]>(type: "BLOB", nullable: false),
                    master_key_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    encryptions_reserved = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    deactivated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    retired_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_vault_keys", x => x.key_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_residents_district_code_community_code",
                table: "residents",
                columns: new[] { "district_code", "community_code" });

            migrationBuilder.CreateIndex(
                name: "IX_residents_id_number_index",
                table: "residents",
                column: "id_number_index",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_residents_phone_index",
                table: "residents",
                column: "phone_index");

            migrationBuilder.CreateIndex(
                name: "IX_vault_keys_district_code",
                table: "vault_keys",
                column: "district_code");

            migrationBuilder.CreateIndex(
                name: "IX_vault_keys_scope_version",
                table: "vault_keys",
                columns: new[] { "scope", "version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "residents");

            migrationBuilder.DropTable(
                name: "vault_keys");
        }
    }
}
