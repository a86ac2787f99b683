namespace Cltool.InferenceHost.Serving;

/// <summary>The answer to one request: its rows of logits, and the session that computed them.</summary>
public sealed record InferenceResult(float[] Logits, int Count, int Classes, IReadOnlyList<string> Labels);
