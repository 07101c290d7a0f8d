using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DataVault.Vault.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AccessLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AccessLog",
                columns: table => new
                {
                    LogId = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    RecordedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    ResidentId = table.Column<string>(type: "text", nullable: false),
                    Action = table.Column<string>(type: "text", nullable: false),
                    ActorUserId = table.Column<string>(type: "text", nullable: false),
                    ActorUnit = table.Column<string>(type: "text", nullable: false),
                    ActorRole = table.Column<string>(type: "text", nullable: false),
                    ClientId = table.Column<string>(type: "text", nullable: true),
                    Fields = table.Column<string>(type: "text", nullable: false),
                    Purpose = table.Column<string>(type: "text", nullable: false),
                    LegalBasis = table.Column<string>(type: "text", nullable: false),
                    GrantChain = table.Column<string>(type: "text", nullable: false),
                    PolicyVersion = table.Column<string>(type: "text", nullable: false),
                    Decision = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessLog", x => new { x.LogId, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "AccessLogNodes",
                columns: table => new
                {
                    LogId = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessLogNodes", x => new { x.LogId, x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "AccessLogTreeHeads",
                columns: table => new
                {
                    LogId = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    SignedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    KeyId = table.Column<string>(type: "text", nullable: false),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessLogTreeHeads", x => new { x.LogId, x.TreeSize });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccessLog_LogId_ActorUnit_RecordedAtUnixMs",
                table: "AccessLog",
                columns: new[] { "LogId", "ActorUnit", "RecordedAtUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_AccessLog_ResidentId_RecordedAtUnixMs",
                table: "AccessLog",
                columns: new[] { "ResidentId", "RecordedAtUnixMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AccessLog");

            migrationBuilder.DropTable(
                name: "AccessLogNodes");

            migrationBuilder.DropTable(
                name: "AccessLogTreeHeads");
        }
    }
}
