using Cltool.Core.Errors;
using Cltool.Core.Reports;

namespace Cltool.Cli.Prediction;

/// <summary>Predictions of images whose true class is known: accuracy and the confusion matrix over the model's labels.</summary>
public sealed class LabelledPredictions
{
    readonly long[,] _confusion;
    readonly IReadOnlyList<string> _labels;

    LabelledPredictions(long[,] confusion, IReadOnlyList<string> labels, int correct, int total) =>
        (_confusion, _labels, Correct, Total) = (confusion, labels, correct, total);

    public int Correct { get; }
    public int Total { get; }
    public double Accuracy => (double)Correct / Total;

    /// <summary>Null unless every prediction has a true class; a class folder that names no label of the model is an error.</summary>
    public static LabelledPredictions? Of(IReadOnlyList<ImagePrediction> predictions, IReadOnlyList<string> labels)
    {
        if (predictions.Count == 0 || predictions.Any(p => p.Label is null)) return null;
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        if (predictions.Select(p => p.Label!).Distinct().FirstOrDefault(label => !index.ContainsKey(label)) is { } unknown)
            throw new CltoolException($"class folder '{unknown}' names no label of the model (its labels: {string.Join(", ", labels.Take(12))}{(labels.Count > 12 ? ", ..." : "")}).");
        var confusion = new long[labels.Count, labels.Count];
        foreach (ImagePrediction p in predictions) confusion[index[p.Label!], p.Top[0].Index]++;
        return new LabelledPredictions(confusion, labels, predictions.Count(p => p.Top[0].Label == p.Label), predictions.Count);
    }

    public void Plot(string path) => AccuracyPlots.Confusion(_confusion, _labels, $"confusion matrix: {Accuracy * 100:F2} % of {Total} images correct", path);
}
