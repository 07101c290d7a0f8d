using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GrantsAndBreakGlass : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "break_glass",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false),
                    resident_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    case_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    minutes = table.Column<int>(type: "INTEGER", nullable: false),
                    requester_subject = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    requester_unit = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    requester_role = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    requested_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    decided_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    review_outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    review_note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    reviewed_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    reviewed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_break_glass", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "grants",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    district_code = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false),
                    parent_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    grantor_subject = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    grantor_unit = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    grantor_role = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    grantor_jurisdiction = table.Column<string>(type: "TEXT", maxLength: 15, nullable: false),
                    grantor_department = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    grantee_unit = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    grantee_role = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    grantee_jurisdiction = table.Column<string>(type: "TEXT", maxLength: 15, nullable: false),
                    grantee_department = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    fields = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    max_fidelity = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    purpose = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    legal_basis = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    valid_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    valid_until = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revoked_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grants", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_break_glass_district_code_status_requested_at",
                table: "break_glass",
                columns: new[] { "district_code", "status", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "IX_break_glass_requester_subject_requested_at",
                table: "break_glass",
                columns: new[] { "requester_subject", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "IX_break_glass_status_expires_at",
                table: "break_glass",
                columns: new[] { "status", "expires_at" });

            migrationBuilder.CreateIndex(
                name: "IX_grants_district_code_parent_id",
                table: "grants",
                columns: new[] { "district_code", "parent_id" });

            migrationBuilder.CreateIndex(
                name: "IX_grants_grantee_unit_created_at",
                table: "grants",
                columns: new[] { "grantee_unit", "created_at" });

            migrationBuilder.CreateIndex(
                name: "IX_grants_grantor_unit_created_at",
                table: "grants",
                columns: new[] { "grantor_unit", "created_at" });

            migrationBuilder.CreateIndex(
                name: "IX_grants_valid_until",
                table: "grants",
                column: "valid_until");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "break_glass");

            migrationBuilder.DropTable(
                name: "grants");
        }
    }
}
