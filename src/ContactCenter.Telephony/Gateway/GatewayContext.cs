using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Callbacks;
using ContactCenter.Telephony.Gateway.Legs;
using MassTransit;

namespace ContactCenter.Telephony.Gateway;

/// <summary>What every call session of this gateway shares.</summary>
internal sealed record GatewayContext(
    ISipDialler Sip,
    IMediaEngine Media,
    IPAddress MediaAddress,
    IBus Bus,
    IRequestClient<IdentifyCaller> IdentifyCaller,
    IRequestClient<GetCaseStatus> CaseStatus,
    GatewayOptions Options,
    string RecordingsFolder,
    TimeProvider Time,
    TelephonyMetrics Metrics,
    TelephonyConfig Config,
    CallbackLedger Callbacks);
