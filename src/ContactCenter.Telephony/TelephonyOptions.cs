namespace ContactCenter.Telephony;

/// <summary>Options of the telephony gateway (configuration section <c>Telephony</c>).</summary>
public sealed class TelephonyOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Telephony";

    /// <summary>
    /// Folder of telephony-config (trunks.yaml, dids.yaml, queues.yaml, ivr/, prompts/). A relative path is looked
    /// for under the content root, then under its parent folders (so running from src/ContactCenter.Host finds the
    /// repository's folder). Key <c>Telephony:ConfigPath</c>.
    /// </summary>
    public string ConfigPath { get; set; } = "telephony-config";
}
