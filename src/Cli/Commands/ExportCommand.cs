using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.Exporter;
using Cltool.Exporter.Verification;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ExportCommand(IAnsiConsole console) : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        string checkpoint = RunDirectory.ResolveCheckpoint(settings.Checkpoint, settings.Task);
        RunEnvironmentWarnings.Print(checkpoint, console);
        ExportOptions options = settings.ExportOptions();
        ExportResult result = ModelExport.Run(checkpoint, settings.Out, options);
        ContinualCheckpoint stage = result.Checkpoint;
        console.MarkupLineInterpolated(
            $"exported [bold]{result.ModelPath}[/] ({result.Bytes / 1e6:F1} MB): {stage.Method} after task {stage.Task + 1} of {stage.Scenario.Tasks}, {stage.SeenClasses} classes, {(options.Merge ? "adapters merged" : "adapters unmerged")}, {settings.DType}");
        console.MarkupLineInterpolated($"parity in ONNX Runtime: {result.Parity}");
        if (result.Agreement is { } agreement) console.MarkupLineInterpolated($"int8 against fp32 in ONNX Runtime: {agreement}");
        if (settings.Eval) ReportAccuracy(result);
        if (settings.Triton is not null)
        {
            var model = new TritonRepository.Model(settings.TritonName, stage.Config.Channels, stage.Config.ImageSize, stage.Labels, settings.TritonMaxBatch, 500);
            TritonRepository.Written written = TritonRepository.Write(settings.Triton, model, result.ModelPath, result.DataPath);
            console.MarkupLineInterpolated($"model repository: {written.Directory}, version {written.Version}");
        }
        return 0;
    }

    void ReportAccuracy(ExportResult result)
    {
        TestSetAccuracy accuracy = TestSetAccuracy.Measure(result.ModelPath, result.Checkpoint);
        string verdict = accuracy.TrainerCorrect < 0 ? "the checkpoint records no trainer accuracy"
            : accuracy.MatchesTrainer ? "identical to the trainer"
            : $"the trainer had {accuracy.TrainerAccuracy * 100:F2} % ({accuracy.TrainerCorrect}/{accuracy.Total})";
        console.MarkupLineInterpolated($"test set in ONNX Runtime: accuracy {accuracy.Accuracy * 100:F2} % ({accuracy.Correct}/{accuracy.Total}), {verdict}");
    }
}
