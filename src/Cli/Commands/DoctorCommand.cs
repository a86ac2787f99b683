using System.Text.Json;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.InferenceHost.Runtime;
using Cltool.Trainer.Native;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class DoctorCommand(IAnsiConsole console) : Command<DoctorSettings>
{
    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override int Execute(CommandContext context, DoctorSettings settings, CancellationToken cancellationToken)
    {
        DoctorReport report = DoctorReport.Collect();
        if (settings.Json) console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        else Render(report);
        return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
    }

    void Render(DoctorReport report)
    {
        console.MarkupLineInterpolated($"[bold]cltool {report.Cltool}[/]  {report.DotNet}, {report.Platform}, {report.Cpus} CPUs");

        TorchReport torch = report.Torch;
        Section("libtorch (TorchSharp, used by the trainer)");
        Line("status", torch.Loaded, torch.Loaded
            ? $"loaded: libtorch {torch.LibTorchVersion} via TorchSharp {torch.TorchSharpVersion} ({torch.Backend} build), {torch.Threads} threads"
            : $"failed to load: {torch.LoadError}");
        if (torch.Loaded) Line("threads", true, torch.ThreadPolicy);
        Line("compat repair", !torch.CompatibilityRepair.StartsWith("MISSING", StringComparison.Ordinal), torch.CompatibilityRepair);
        Line("CUDA", torch.CudaUsable, torch.CudaUsable ? $"usable: {torch.CudaReason}" : $"unavailable: {torch.CudaReason}", optional: true);

        OrtReport ort = report.OnnxRuntime;
        Section("ONNX Runtime (used by the exporter and the inference host)");
        Line("status", ort.Loaded, ort.Loaded ? $"loaded: ONNX Runtime {ort.Version}" : $"failed to load: {ort.LoadError}");
        Line("providers", ort.Providers.Contains(OrtEnvironment.CpuProvider), string.Join(", ", ort.Providers));
        Line("CUDA", ort.CudaUsable, ort.CudaUsable ? $"usable: {ort.CudaReason}" : $"unavailable: {ort.CudaReason}", optional: true);

        Section("built-in datasets");
        foreach (DatasetAvailability dataset in report.Datasets)
            Line(dataset.Name, dataset.Present,
                dataset.Present ? $"present: {dataset.Location} ({dataset.Detail})" : $"missing: {dataset.Detail}", optional: true);

        console.MarkupLine(report.Healthy ? "[green]cltool is ready.[/]" : "[red]cltool cannot run here; see the lines marked FAIL.[/]");
    }

    void Section(string title) => console.MarkupLineInterpolated($"[bold underline]{title}[/]");

    void Line(string label, bool ok, string text, bool optional = false)
    {
        string mark = ok ? "[green]ok  [/]" : optional ? "[yellow]--  [/]" : "[red]FAIL[/]";
        console.MarkupLine($"  {mark} {Markup.Escape(label),-14} {Markup.Escape(text)}");
    }
}
