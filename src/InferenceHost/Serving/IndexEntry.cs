namespace Cltool.InferenceHost.Serving;

/// <summary>One row of the repository index: a model never loaded has only its name.</summary>
public sealed record IndexEntry(string Name, string? Version = null, string? State = null, string? Reason = null);
