using Cltool.InferenceHost.Protocol;

namespace Cltool.Cli.Prediction;

/// <summary>One image's top-k answer (the classify endpoint's softmax top-k), with its true class when known.</summary>
public sealed record ImagePrediction(string Image, string? Label, IReadOnlyList<InferenceJson.Candidate> Top);
