namespace Cltool.Cli.Benchmarks;

/// <summary>What one request got: answered (with the model version that answered), refused on purpose (503 / UNAVAILABLE: a full queue), or failed.</summary>
public sealed record InferOutcome(bool Ok, bool Rejected, string? Version, string? Error);
