using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PolicyStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "policy_drafts",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    base_version = table.Column<int>(type: "INTEGER", nullable: false),
                    policy_text = table.Column<string>(type: "TEXT", nullable: false),
                    author = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    reviewer = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    review_note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    rollback_of = table.Column<int>(type: "INTEGER", nullable: true),
                    published_version = table.Column<int>(type: "INTEGER", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    submitted_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    reviewed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    published_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_drafts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "policy_versions",
                columns: table => new
                {
                    number = table.Column<int>(type: "INTEGER", nullable: false),
                    policy_text = table.Column<string>(type: "TEXT", nullable: false),
                    model_text = table.Column<string>(type: "TEXT", nullable: false),
                    author = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    approver = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    publisher = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    published_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    rolled_back_from = table.Column<int>(type: "INTEGER", nullable: true),
                    draft_id = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_versions", x => x.number);
                });

            migrationBuilder.CreateIndex(
                name: "IX_policy_drafts_status",
                table: "policy_drafts",
                column: "status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "policy_drafts");

            migrationBuilder.DropTable(
                name: "policy_versions");
        }
    }
}
