namespace ContactCenter.Host.Configuration;

/// <summary>The modules one host process can run (setting <c>Services</c>).</summary>
internal enum Module
{
    Telephony,
    Routing,
    Crm,
    Desktop,
    Reporting,
}
