using Cltool.Cli.Prediction;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.InferenceHost.Protocol;
using Cltool.InferenceHost.Serving;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>
/// Offline classification with ONNX Runtime through the host's own code: the same session, the model's own
/// preprocessing and labels from its metadata, the same softmax top-k the classify endpoint answers.
/// </summary>
public sealed class PredictCommand(IAnsiConsole console) : Command<PredictSettings>
{
    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<PredictionInput> inputs = PredictionInputs.Collect(settings.Paths);
        using ModelSession session = ModelSession.Open(settings.Model!, settings.Device, 0, line => console.MarkupLineInterpolated($"[grey]{line}[/]"));
        if (session.Channels != 3) throw new CltoolException($"'{settings.Model}' takes {session.Channels} channels; predict feeds RGB images.");
        var predictions = new List<ImagePrediction>();
        foreach (PredictionInput[] batch in inputs.Chunk(settings.BatchSize))
        {
            float[] pixels = batch.SelectMany(input => Transforms.Eval(ImageDecoder.Decode(input.Path), session.Metadata.Preprocessing)).ToArray();
            var result = new InferenceResult(session.Run(pixels, batch.Length), batch.Length, session.Classes, session.Metadata.Labels);
            predictions.AddRange(batch.Select((input, row) => new ImagePrediction(input.Path, input.Label, InferenceJson.TopK(result, row, Math.Min(settings.TopK, session.Classes)).ToArray())));
            cancellationToken.ThrowIfCancellationRequested();
        }
        LabelledPredictions? labelled = LabelledPredictions.Of(predictions, session.Metadata.Labels);
        if (labelled is not null)
        {
            Directory.CreateDirectory(settings.Out);
            labelled.Plot(Path.Combine(settings.Out, "confusion.png"));
            AtomicFile.WriteAllText(Path.Combine(settings.Out, "predictions.json"), CltoolJson.Serialize(new { predictions, labelled.Accuracy, labelled.Correct, labelled.Total }) + "\n");
        }
        if (settings.Json) console.WriteLine(CltoolJson.Serialize(new { model = settings.Model, predictions, accuracy = labelled?.Accuracy }));
        else Print(predictions, labelled, settings.Out);
        return 0;
    }

    void Print(IReadOnlyList<ImagePrediction> predictions, LabelledPredictions? labelled, string output)
    {
        var table = new Table().AddColumns("image", "top-1", "score", "others");
        if (labelled is not null) table.AddColumn("true");
        foreach (ImagePrediction p in predictions)
        {
            string[] row = [p.Image, p.Top[0].Label, $"{p.Top[0].Score * 100:F2} %", string.Join(", ", p.Top.Skip(1).Select(c => $"{c.Label} {c.Score * 100:F1} %"))];
            table.AddRow([.. row.Select(Markup.Escape), .. labelled is null ? Array.Empty<string>() : [Markup.Escape(p.Label ?? "")]]);
        }
        console.Write(table);
        if (labelled is not null)
            console.MarkupLineInterpolated($"accuracy {labelled.Accuracy * 100:F2} % ({labelled.Correct} / {labelled.Total}); confusion matrix: {Path.Combine(output, "confusion.png")}");
    }
}
