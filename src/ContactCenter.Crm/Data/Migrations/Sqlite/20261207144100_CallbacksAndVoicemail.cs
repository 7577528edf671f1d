using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Crm.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class CallbacksAndVoicemail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "CallbackAttempts",
                table: "Interactions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "CallbackOf",
                table: "Interactions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CallbackRequestedAt",
                table: "Interactions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CallbackRetryAt",
                table: "Interactions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Dialled",
                table: "Interactions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Direction",
                table: "Interactions",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Inbound");

            migrationBuilder.AddColumn<string>(
                name: "Transcript",
                table: "Interactions",
                type: "TEXT",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VoicemailNote",
                table: "Interactions",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VoicemailPath",
                table: "Interactions",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "VoicemailSeconds",
                table: "Interactions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Interactions_CallbackOf",
                table: "Interactions",
                column: "CallbackOf");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Interactions_CallbackOf",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "CallbackAttempts",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "CallbackOf",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "CallbackRequestedAt",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "CallbackRetryAt",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "Dialled",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "Direction",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "Transcript",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "VoicemailNote",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "VoicemailPath",
                table: "Interactions");

            migrationBuilder.DropColumn(
                name: "VoicemailSeconds",
                table: "Interactions");
        }
    }
}
