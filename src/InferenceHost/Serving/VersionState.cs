namespace Cltool.InferenceHost.Serving;

/// <summary>A model version's state as Triton's repository index reports it.</summary>
public sealed record VersionState(string State, string Reason = "")
{
    public const string Ready = "READY", Loading = "LOADING", Unloading = "UNLOADING", Unavailable = "UNAVAILABLE";
}
