using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Reporting.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InitialReporting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE TABLE \"ReportAgentHours\" (\"AgentId\" TEXT NOT NULL, \"Start\" INTEGER NOT NULL, \"AvailableTicks\" INTEGER NOT NULL, \"ReservedTicks\" INTEGER NOT NULL, \"OnCallTicks\" INTEGER NOT NULL, \"WrapUpStateTicks\" INTEGER NOT NULL, \"NotReadyTicks\" INTEGER NOT NULL, \"Rung\" INTEGER NOT NULL, \"Missed\" INTEGER NOT NULL, \"Answered\" INTEGER NOT NULL, \"Handled\" INTEGER NOT NULL, \"HandleTicks\" INTEGER NOT NULL, \"TalkTicks\" INTEGER NOT NULL, \"WrapUpTicks\" INTEGER NOT NULL, \"TransfersOut\" INTEGER NOT NULL, \"OutboundCalls\" INTEGER NOT NULL, \"OutboundHandleTicks\" INTEGER NOT NULL, CONSTRAINT \"PK_ReportAgentHours\" PRIMARY KEY (\"AgentId\", \"Start\")) WITHOUT ROWID;");

            // Edited after generation: the aggregates and agent states are WITHOUT ROWID tables (EF Core has no annotation for
            // it), stored in key order, so one key's range (an agent, a queue) is one sequential read and a range of time over
            // every key a few hundred, with no look-up from an index into the table. The model and snapshot are unchanged.
            migrationBuilder.Sql("CREATE TABLE \"ReportAgentIntervals\" (\"AgentId\" TEXT NOT NULL, \"Start\" INTEGER NOT NULL, \"AvailableTicks\" INTEGER NOT NULL, \"ReservedTicks\" INTEGER NOT NULL, \"OnCallTicks\" INTEGER NOT NULL, \"WrapUpStateTicks\" INTEGER NOT NULL, \"NotReadyTicks\" INTEGER NOT NULL, \"Rung\" INTEGER NOT NULL, \"Missed\" INTEGER NOT NULL, \"Answered\" INTEGER NOT NULL, \"Handled\" INTEGER NOT NULL, \"HandleTicks\" INTEGER NOT NULL, \"TalkTicks\" INTEGER NOT NULL, \"WrapUpTicks\" INTEGER NOT NULL, \"TransfersOut\" INTEGER NOT NULL, \"OutboundCalls\" INTEGER NOT NULL, \"OutboundHandleTicks\" INTEGER NOT NULL, CONSTRAINT \"PK_ReportAgentIntervals\" PRIMARY KEY (\"AgentId\", \"Start\")) WITHOUT ROWID;");

            migrationBuilder.Sql("CREATE TABLE \"ReportAgentStates\" (\"AgentId\" TEXT NOT NULL, \"StartAt\" INTEGER NOT NULL, \"EndAt\" INTEGER NULL, \"State\" INTEGER NOT NULL, \"Reason\" TEXT NULL, \"CallId\" BLOB NULL, CONSTRAINT \"PK_ReportAgentStates\" PRIMARY KEY (\"AgentId\", \"StartAt\")) WITHOUT ROWID;");

            migrationBuilder.CreateTable(
                name: "ReportCalls",
                columns: table => new
                {
                    CallId = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Caller = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Did = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CustomerId = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Direction = table.Column<int>(type: "INTEGER", nullable: false),
                    FirstAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: true),
                    EndedBy = table.Column<int>(type: "INTEGER", nullable: true),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    CallbackOf = table.Column<byte[]>(type: "BLOB", nullable: true),
                    RetryAt = table.Column<long>(type: "INTEGER", nullable: true),
                    IvrPath = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    Contributions = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportCalls", x => x.CallId);
                });

            migrationBuilder.CreateTable(
                name: "ReportEvents",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<byte[]>(type: "BLOB", fixedLength: true, maxLength: 16, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    CallId = table.Column<byte[]>(type: "BLOB", nullable: true),
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Code = table.Column<int>(type: "INTEGER", nullable: false),
                    Code2 = table.Column<int>(type: "INTEGER", nullable: false),
                    Flags = table.Column<int>(type: "INTEGER", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Ticks = table.Column<long>(type: "INTEGER", nullable: false),
                    Ticks2 = table.Column<long>(type: "INTEGER", nullable: false),
                    RelatedId = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Other = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Text = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportEvents", x => x.Seq);
                });

            migrationBuilder.Sql("CREATE TABLE \"ReportQueueHours\" (\"Queue\" TEXT NOT NULL, \"Start\" INTEGER NOT NULL, \"Offered\" INTEGER NOT NULL, \"Answered\" INTEGER NOT NULL, \"AnsweredWithinTarget\" INTEGER NOT NULL, \"Abandoned\" INTEGER NOT NULL, \"ShortAbandoned\" INTEGER NOT NULL, \"Diverted\" INTEGER NOT NULL, \"Overflowed\" INTEGER NOT NULL, \"Voicemail\" INTEGER NOT NULL, \"Refused\" INTEGER NOT NULL, \"ServiceLevelMet\" INTEGER NOT NULL, \"ServiceLevelCounted\" INTEGER NOT NULL, \"AnswerWaitTicks\" INTEGER NOT NULL, \"AbandonWaitTicks\" INTEGER NOT NULL, \"Handled\" INTEGER NOT NULL, \"HandleTicks\" INTEGER NOT NULL, \"TalkTicks\" INTEGER NOT NULL, \"WrapUpTicks\" INTEGER NOT NULL, \"TransfersIn\" INTEGER NOT NULL, \"TransfersOut\" INTEGER NOT NULL, \"CallbacksRequested\" INTEGER NOT NULL, \"CallbackAttempts\" INTEGER NOT NULL, \"CallbacksReached\" INTEGER NOT NULL, \"CallbacksNoAnswer\" INTEGER NOT NULL, \"CallbacksBusy\" INTEGER NOT NULL, \"CallbacksFailed\" INTEGER NOT NULL, \"CallbacksGivenUp\" INTEGER NOT NULL, CONSTRAINT \"PK_ReportQueueHours\" PRIMARY KEY (\"Queue\", \"Start\")) WITHOUT ROWID;");

            migrationBuilder.Sql("CREATE TABLE \"ReportQueueIntervals\" (\"Queue\" TEXT NOT NULL, \"Start\" INTEGER NOT NULL, \"Offered\" INTEGER NOT NULL, \"Answered\" INTEGER NOT NULL, \"AnsweredWithinTarget\" INTEGER NOT NULL, \"Abandoned\" INTEGER NOT NULL, \"ShortAbandoned\" INTEGER NOT NULL, \"Diverted\" INTEGER NOT NULL, \"Overflowed\" INTEGER NOT NULL, \"Voicemail\" INTEGER NOT NULL, \"Refused\" INTEGER NOT NULL, \"ServiceLevelMet\" INTEGER NOT NULL, \"ServiceLevelCounted\" INTEGER NOT NULL, \"AnswerWaitTicks\" INTEGER NOT NULL, \"AbandonWaitTicks\" INTEGER NOT NULL, \"Handled\" INTEGER NOT NULL, \"HandleTicks\" INTEGER NOT NULL, \"TalkTicks\" INTEGER NOT NULL, \"WrapUpTicks\" INTEGER NOT NULL, \"TransfersIn\" INTEGER NOT NULL, \"TransfersOut\" INTEGER NOT NULL, \"CallbacksRequested\" INTEGER NOT NULL, \"CallbackAttempts\" INTEGER NOT NULL, \"CallbacksReached\" INTEGER NOT NULL, \"CallbacksNoAnswer\" INTEGER NOT NULL, \"CallbacksBusy\" INTEGER NOT NULL, \"CallbacksFailed\" INTEGER NOT NULL, \"CallbacksGivenUp\" INTEGER NOT NULL, CONSTRAINT \"PK_ReportQueueIntervals\" PRIMARY KEY (\"Queue\", \"Start\")) WITHOUT ROWID;");

            migrationBuilder.CreateTable(
                name: "ReportSegments",
                columns: table => new
                {
                    CallId = table.Column<byte[]>(type: "BLOB", nullable: false),
                    No = table.Column<int>(type: "INTEGER", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    EnteredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Entry = table.Column<int>(type: "INTEGER", nullable: false),
                    LeftAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Exit = table.Column<int>(type: "INTEGER", nullable: true),
                    Waited = table.Column<long>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Flags = table.Column<int>(type: "INTEGER", nullable: false),
                    HandledAt = table.Column<long>(type: "INTEGER", nullable: true),
                    TalkTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    WrapUpTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    TransferredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportSegments", x => new { x.CallId, x.No });
                });

            migrationBuilder.CreateTable(
                name: "ReportState",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    AsOf = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
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
