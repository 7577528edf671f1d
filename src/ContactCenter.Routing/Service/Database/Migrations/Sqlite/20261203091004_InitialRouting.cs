using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Routing.Service.Database.Migrations.Sqlite
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
                    Partition = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    Input = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoutingJournal", x => new { x.Partition, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "RoutingLease",
                columns: table => new
                {
                    Partition = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Token = table.Column<long>(type: "INTEGER", nullable: false),
                    Heartbeat = table.Column<long>(type: "INTEGER", nullable: false),
                    RenewedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    LastSeq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoutingLease", x => x.Partition);
                });

            migrationBuilder.CreateTable(
                name: "RoutingSnapshot",
                columns: table => new
                {
                    Partition = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false)
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
