using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Crm.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class SupervisedQueues : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PersonSupervisedQueues",
                columns: table => new
                {
                    Login = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Queue = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PersonSupervisedQueues", x => new { x.Login, x.Queue });
                    table.ForeignKey(
                        name: "FK_PersonSupervisedQueues_People_Login",
                        column: x => x.Login,
                        principalTable: "People",
                        principalColumn: "Login",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PersonSupervisedQueues");
        }
    }
}
