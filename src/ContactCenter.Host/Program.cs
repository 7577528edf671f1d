using ContactCenter.Host.Composition;

// `ContactCenter.Host` runs the modules named by the Services setting;
// `ContactCenter.Host migrate` creates or upgrades the database and exits (production);
// `ContactCenter.Host reports-rebuild` recomputes the reports' aggregates from their event record and exits.
return await ContactCenterApp.RunAsync(args);

/// <summary>The host's entry point (public for test hosts).</summary>
public partial class Program;
