namespace ContactCenter.Contracts;

/// <summary>Which of an agent's registered phones ring for their calls (the directory's phone kind).</summary>
public enum PhoneKind
{
    /// <summary>Every registered phone: a browser and a SIP phone alike (the default; first answer wins).</summary>
    Both,
    /// <summary>Only the browser (the agent desktop's phone, registered over /sip).</summary>
    Browser,
    /// <summary>Only SIP phones (desk phones, softphones registered over UDP or TCP).</summary>
    Sip,
}
