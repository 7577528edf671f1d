using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Routing.Service.Database.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class InitialRouting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RoutingJournal",
                columns: table => new
                {
                    Partition = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Input = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoutingJournal", x => new { x.Partition, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "RoutingLease",
                columns: table => new
                {
                    Partition = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Holder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Token = table.Column<long>(type: "bigint", nullable: false),
                    Heartbeat = table.Column<long>(type: "bigint", nullable: false),
                    RenewedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastSeq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoutingLease", x => x.Partition);
                });

            migrationBuilder.CreateTable(
                name: "RoutingSnapshot",
                columns: table => new
                {
                    Partition = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoutingSnapshot", x => x.Partition);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RoutingJournal");

            migrationBuilder.DropTable(
                name: "RoutingLease");

            migrationBuilder.DropTable(
                name: "RoutingSnapshot");
        }
    }
}
