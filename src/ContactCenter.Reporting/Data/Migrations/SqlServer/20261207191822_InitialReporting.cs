using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Reporting.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InitialReporting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ReportAgentHours",
                columns: table => new
                {
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Start = table.Column<long>(type: "bigint", nullable: false),
                    AvailableTicks = table.Column<long>(type: "bigint", nullable: false),
                    ReservedTicks = table.Column<long>(type: "bigint", nullable: false),
                    OnCallTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpStateTicks = table.Column<long>(type: "bigint", nullable: false),
                    NotReadyTicks = table.Column<long>(type: "bigint", nullable: false),
                    Rung = table.Column<long>(type: "bigint", nullable: false),
                    Missed = table.Column<long>(type: "bigint", nullable: false),
                    Answered = table.Column<long>(type: "bigint", nullable: false),
                    Handled = table.Column<long>(type: "bigint", nullable: false),
                    HandleTicks = table.Column<long>(type: "bigint", nullable: false),
                    TalkTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "bigint", nullable: false),
                    TransfersOut = table.Column<long>(type: "bigint", nullable: false),
                    OutboundCalls = table.Column<long>(type: "bigint", nullable: false),
                    OutboundHandleTicks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportAgentHours", x => new { x.AgentId, x.Start });
                });

            migrationBuilder.CreateTable(
                name: "ReportAgentIntervals",
                columns: table => new
                {
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Start = table.Column<long>(type: "bigint", nullable: false),
                    AvailableTicks = table.Column<long>(type: "bigint", nullable: false),
                    ReservedTicks = table.Column<long>(type: "bigint", nullable: false),
                    OnCallTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpStateTicks = table.Column<long>(type: "bigint", nullable: false),
                    NotReadyTicks = table.Column<long>(type: "bigint", nullable: false),
                    Rung = table.Column<long>(type: "bigint", nullable: false),
                    Missed = table.Column<long>(type: "bigint", nullable: false),
                    Answered = table.Column<long>(type: "bigint", nullable: false),
                    Handled = table.Column<long>(type: "bigint", nullable: false),
                    HandleTicks = table.Column<long>(type: "bigint", nullable: false),
                    TalkTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "bigint", nullable: false),
                    TransfersOut = table.Column<long>(type: "bigint", nullable: false),
                    OutboundCalls = table.Column<long>(type: "bigint", nullable: false),
                    OutboundHandleTicks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportAgentIntervals", x => new { x.AgentId, x.Start });
                });

            migrationBuilder.CreateTable(
                name: "ReportAgentStates",
                columns: table => new
                {
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    StartAt = table.Column<long>(type: "bigint", nullable: false),
                    EndAt = table.Column<long>(type: "bigint", nullable: true),
                    State = table.Column<int>(type: "int", nullable: false),
                    Reason = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    CallId = table.Column<Guid>(type: "uniqueidentifier", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportAgentStates", x => new { x.AgentId, x.StartAt });
                });

            migrationBuilder.CreateTable(
                name: "ReportCalls",
                columns: table => new
                {
                    CallId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Caller = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    Did = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    CustomerId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Direction = table.Column<int>(type: "int", nullable: false),
                    FirstAt = table.Column<long>(type: "bigint", nullable: false),
                    LastAt = table.Column<long>(type: "bigint", nullable: false),
                    Queue = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Outcome = table.Column<int>(type: "int", nullable: true),
                    EndedBy = table.Column<int>(type: "int", nullable: true),
                    EndedAt = table.Column<long>(type: "bigint", nullable: true),
                    Attempt = table.Column<int>(type: "int", nullable: false),
                    CallbackOf = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    RetryAt = table.Column<long>(type: "bigint", nullable: true),
                    IvrPath = table.Column<string>(type: "nvarchar(400)", maxLength: 400, nullable: true),
                    Contributions = table.Column<byte[]>(type: "varbinary(max)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportCalls", x => x.CallId);
                });

            migrationBuilder.CreateTable(
                name: "ReportEvents",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    Key = table.Column<byte[]>(type: "binary(16)", fixedLength: true, maxLength: 16, nullable: false),
                    Kind = table.Column<int>(type: "int", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    CallId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Queue = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Code = table.Column<int>(type: "int", nullable: false),
                    Code2 = table.Column<int>(type: "int", nullable: false),
                    Flags = table.Column<int>(type: "int", nullable: false),
                    Number = table.Column<int>(type: "int", nullable: false),
                    Ticks = table.Column<long>(type: "bigint", nullable: false),
                    Ticks2 = table.Column<long>(type: "bigint", nullable: false),
                    RelatedId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Other = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Text = table.Column<string>(type: "nvarchar(400)", maxLength: 400, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportEvents", x => x.Seq);
                });

            migrationBuilder.CreateTable(
                name: "ReportQueueHours",
                columns: table => new
                {
                    Queue = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Start = table.Column<long>(type: "bigint", nullable: false),
                    Offered = table.Column<long>(type: "bigint", nullable: false),
                    Answered = table.Column<long>(type: "bigint", nullable: false),
                    AnsweredWithinTarget = table.Column<long>(type: "bigint", nullable: false),
                    Abandoned = table.Column<long>(type: "bigint", nullable: false),
                    ShortAbandoned = table.Column<long>(type: "bigint", nullable: false),
                    Diverted = table.Column<long>(type: "bigint", nullable: false),
                    Overflowed = table.Column<long>(type: "bigint", nullable: false),
                    Voicemail = table.Column<long>(type: "bigint", nullable: false),
                    Refused = table.Column<long>(type: "bigint", nullable: false),
                    ServiceLevelMet = table.Column<long>(type: "bigint", nullable: false),
                    ServiceLevelCounted = table.Column<long>(type: "bigint", nullable: false),
                    AnswerWaitTicks = table.Column<long>(type: "bigint", nullable: false),
                    AbandonWaitTicks = table.Column<long>(type: "bigint", nullable: false),
                    Handled = table.Column<long>(type: "bigint", nullable: false),
                    HandleTicks = table.Column<long>(type: "bigint", nullable: false),
                    TalkTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "bigint", nullable: false),
                    TransfersIn = table.Column<long>(type: "bigint", nullable: false),
                    TransfersOut = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksRequested = table.Column<long>(type: "bigint", nullable: false),
                    CallbackAttempts = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksReached = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksNoAnswer = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksBusy = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksFailed = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksGivenUp = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportQueueHours", x => new { x.Queue, x.Start });
                });

            migrationBuilder.CreateTable(
                name: "ReportQueueIntervals",
                columns: table => new
                {
                    Queue = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Start = table.Column<long>(type: "bigint", nullable: false),
                    Offered = table.Column<long>(type: "bigint", nullable: false),
                    Answered = table.Column<long>(type: "bigint", nullable: false),
                    AnsweredWithinTarget = table.Column<long>(type: "bigint", nullable: false),
                    Abandoned = table.Column<long>(type: "bigint", nullable: false),
                    ShortAbandoned = table.Column<long>(type: "bigint", nullable: false),
                    Diverted = table.Column<long>(type: "bigint", nullable: false),
                    Overflowed = table.Column<long>(type: "bigint", nullable: false),
                    Voicemail = table.Column<long>(type: "bigint", nullable: false),
                    Refused = table.Column<long>(type: "bigint", nullable: false),
                    ServiceLevelMet = table.Column<long>(type: "bigint", nullable: false),
                    ServiceLevelCounted = table.Column<long>(type: "bigint", nullable: false),
                    AnswerWaitTicks = table.Column<long>(type: "bigint", nullable: false),
                    AbandonWaitTicks = table.Column<long>(type: "bigint", nullable: false),
                    Handled = table.Column<long>(type: "bigint", nullable: false),
                    HandleTicks = table.Column<long>(type: "bigint", nullable: false),
                    TalkTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "bigint", nullable: false),
                    TransfersIn = table.Column<long>(type: "bigint", nullable: false),
                    TransfersOut = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksRequested = table.Column<long>(type: "bigint", nullable: false),
                    CallbackAttempts = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksReached = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksNoAnswer = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksBusy = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksFailed = table.Column<long>(type: "bigint", nullable: false),
                    CallbacksGivenUp = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportQueueIntervals", x => new { x.Queue, x.Start });
                });

            migrationBuilder.CreateTable(
                name: "ReportSegments",
                columns: table => new
                {
                    CallId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    No = table.Column<int>(type: "int", nullable: false),
                    Queue = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    EnteredAt = table.Column<long>(type: "bigint", nullable: false),
                    Entry = table.Column<int>(type: "int", nullable: false),
                    LeftAt = table.Column<long>(type: "bigint", nullable: true),
                    Exit = table.Column<int>(type: "int", nullable: true),
                    Waited = table.Column<long>(type: "bigint", nullable: false),
                    Position = table.Column<int>(type: "int", nullable: false),
                    AgentId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    Flags = table.Column<int>(type: "int", nullable: false),
                    HandledAt = table.Column<long>(type: "bigint", nullable: true),
                    TalkTicks = table.Column<long>(type: "bigint", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "bigint", nullable: false),
                    TransferredAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportSegments", x => new { x.CallId, x.No });
                });

            migrationBuilder.CreateTable(
                name: "ReportState",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false),
                    AsOf = table.Column<long>(type: "bigint", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportState", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "ReportState",
                columns: new[] { "Id", "AsOf", "Version" },
                values: new object[] { 1, 0L, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_ReportAgentHours_Start",
                table: "ReportAgentHours",
                column: "Start");

            migrationBuilder.CreateIndex(
                name: "IX_ReportAgentIntervals_Start",
                table: "ReportAgentIntervals",
                column: "Start");

            migrationBuilder.CreateIndex(
                name: "IX_ReportAgentStates_Open",
                table: "ReportAgentStates",
                column: "EndAt",
                filter: "\"EndAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_AgentId_At",
                table: "ReportEvents",
                columns: new[] { "AgentId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_CallId",
                table: "ReportEvents",
                column: "CallId");

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_Key",
                table: "ReportEvents",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReportEvents_Kind_At",
                table: "ReportEvents",
                columns: new[] { "Kind", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportQueueHours_Start",
                table: "ReportQueueHours",
                column: "Start");

            migrationBuilder.CreateIndex(
                name: "IX_ReportQueueIntervals_Start",
                table: "ReportQueueIntervals",
                column: "Start");

            migrationBuilder.CreateIndex(
                name: "IX_ReportSegments_Queue_EnteredAt",
                table: "ReportSegments",
                columns: new[] { "Queue", "EnteredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportSegments_Queue_LeftAt",
                table: "ReportSegments",
                columns: new[] { "Queue", "LeftAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReportAgentHours");

            migrationBuilder.DropTable(
                name: "ReportAgentIntervals");

            migrationBuilder.DropTable(
                name: "ReportAgentStates");

            migrationBuilder.DropTable(
                name: "ReportCalls");

            migrationBuilder.DropTable(
                name: "ReportEvents");

            migrationBuilder.DropTable(
                name: "ReportQueueHours");

            migrationBuilder.DropTable(
                name: "ReportQueueIntervals");

            migrationBuilder.DropTable(
                name: "ReportSegments");

            migrationBuilder.DropTable(
                name: "ReportState");
        }
    }
}
