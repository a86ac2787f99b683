namespace Cltool.Cli.Prediction;

/// <summary>One image to classify, with its true class when it came from a labelled folder (one subfolder per class).</summary>
public sealed record PredictionInput(string Path, string? Label);
