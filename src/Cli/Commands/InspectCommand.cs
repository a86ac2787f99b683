using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.Weights;
using Cltool.Exporter.Onnx;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class InspectCommand(IAnsiConsole console) : Command<InspectSettings>
{
    public override int Execute(CommandContext context, InspectSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Data is not null) InspectData(settings);
        else if (Directory.Exists(settings.File)) InspectRun(settings.File);
        else if (settings.File!.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) InspectOnnx(settings.File);
        else InspectSafeTensors(settings.File);
        return 0;
    }

    void InspectData(InspectSettings settings)
    {
        IImageDataset dataset = DatasetCatalog.Open(settings.Data!, settings.Split);
        int[] perClass = new int[dataset.ClassNames.Count];
        for (int i = 0; i < dataset.Count; i++) perClass[dataset.LabelOf(i)]++;
        console.MarkupLineInterpolated($"[bold]{dataset.Name}[/] ({settings.Split.ToString().ToLowerInvariant()}): {dataset.Count} images, {dataset.ClassNames.Count} classes");
        console.WriteLine($"images per class: min {perClass.Min()}, max {perClass.Max()}");
        foreach (string warning in ClassSizeWarnings.Of(dataset.ClassNames, perClass)) console.MarkupLineInterpolated($"[yellow]warning: {warning}[/]");
        if (dataset is ImageFolder { Skipped.Count: > 0 } folder)
            console.MarkupLineInterpolated($"[yellow]skipped {folder.Skipped.Count} unreadable file(s)[/], e.g. {folder.Skipped[0]}");
        if (dataset is Glyphs { Lookalikes.Count: > 0 } glyphs)
        {
            console.WriteLine($"look-alikes left out: {glyphs.Lookalikes.Count} ({GlyphLookalikes.Rule})");
            foreach (Lookalike lookalike in glyphs.Lookalikes) console.WriteLine("  " + lookalike);
        }
        const int listedClasses = 200;
        console.WriteLine("classes: " + string.Join(", ", dataset.ClassNames.Take(listedClasses)) + (dataset.ClassNames.Count > listedClasses ? ", ..." : ""));
        if (settings.Sheet is null) return;
        ContactSheet.Draw(dataset, ContactSheet.Pick(dataset, settings.Count), settings.Sheet);
        console.WriteLine($"contact sheet: {settings.Sheet}");
    }

    void InspectRun(string directory)
    {
        RunManifest manifest = RunManifest.Read(new RunDirectory(directory))
            ?? throw new CltoolException($"'{directory}' has no run.json (expected a run directory of `cltool train`; runs made before run manifests have none).");
        RunEnvironment environment = manifest.Environment;
        var table = new Table().AddColumns("fact", "value");
        table.AddTextRow("started", $"{manifest.StartedUtc:u}");
        table.AddTextRow("recipe", $"{manifest.Recipe.Method}, {manifest.Recipe.Data}, seed {manifest.Seed}, head {manifest.Recipe.HeadAlign}");
        table.AddTextRow("class order", string.Join(" ", manifest.ClassOrder.Take(30)) + (manifest.ClassOrder.Length > 30 ? " ..." : ""));
        table.AddTextRow("dataset", $"{manifest.Dataset.Spec}: sha256 {manifest.Dataset.Sha256} over {manifest.Dataset.Files} files, {manifest.Dataset.Bytes / 1e6:F1} MB");
        table.AddTextRow("base model", $"{manifest.BaseModel}: sha256 {manifest.BaseModelSha256}");
        table.AddTextRow("cltool", $"{environment.Cltool}, commit {environment.Commit}{(environment.Dirty ? " with uncommitted changes" : "")}");
        foreach ((string package, string version) in environment.Packages) table.AddTextRow(package, version);
        table.AddTextRow(".NET", environment.DotNet);
        table.AddTextRow("OS", environment.Os);
        table.AddTextRow("CPU", $"{environment.Cpu}, {environment.Cores} cores, {environment.Threads} threads");
        table.AddTextRow("device", environment.Device);
        console.MarkupLineInterpolated($"[bold]{directory}[/]: run manifest");
        console.Write(table);
        foreach (string difference in manifest.DifferencesFromHere()) console.MarkupLineInterpolated($"[yellow]differs here: {difference}[/]");
        string metrics = new RunDirectory(directory).Metrics;
        if (File.Exists(metrics)) AccuracyReport.WriteCosts(console, MetricsReport.Read(metrics));
    }

    void InspectSafeTensors(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        long parameters = file.Tensors.Sum(tensor => tensor.ElementCount);
        console.MarkupLineInterpolated($"[bold]{path}[/]: safetensors, {file.Tensors.Count} tensors, {parameters:N0} parameters");
        if (file.Metadata.Count > 0)
        {
            var metadata = new Table().AddColumns("metadata", "value");
            foreach ((string key, string value) in file.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                metadata.AddTextRow(key, Shorten(value));
            console.Write(metadata);
        }
        var tensors = new Table().AddColumns("tensor", "dtype", "shape", "elements");
        foreach (TensorEntry tensor in file.Tensors.OrderBy(tensor => tensor.Name, StringComparer.Ordinal))
            tensors.AddTextRow(tensor.Name, tensor.DType, tensor.ShapeText, tensor.ElementCount.ToString("N0"));
        console.Write(tensors);
        if (file.Metadata.GetValueOrDefault("format") == ContinualCheckpoint.Format) InspectAdapter(ContinualCheckpoint.Load(path));
    }

    /// <summary>The checkpoint's adapter as its family tables it (SD-LoRA's directions, C-LoRA's routed modules).</summary>
    void InspectAdapter(ContinualCheckpoint checkpoint)
    {
        if (checkpoint.Adapter?.Describe() is not { } described) return;
        string title = $"{checkpoint.Method} adapter after task {checkpoint.Task + 1}" + (described.Summary == "" ? "" : $": {described.Summary}");
        var table = new Table().Title(title).AddColumns([.. described.Columns]);
        foreach (string[] row in described.Rows) table.AddTextRow(row);
        console.Write(table);
    }

    void InspectOnnx(string path)
    {
        OnnxModelSummary model = OnnxModelSummary.Read(path);
        console.MarkupLineInterpolated($"[bold]{path}[/]: ONNX IR {model.IrVersion}, opsets {string.Join(", ", model.Opsets.Select(o => $"{o.Key} {o.Value}"))}, producer {model.Producer}");
        console.WriteLine($"{model.Initializers.Count} initializers, {model.ParameterCount:N0} parameters");
        var signature = new Table().AddColumns("direction", "name", "dtype", "shape");
        foreach (OnnxValueSummary input in model.Inputs) signature.AddTextRow("input", input.Name, input.DType, input.Shape);
        foreach (OnnxValueSummary output in model.Outputs) signature.AddTextRow("output", output.Name, output.DType, output.Shape);
        console.Write(signature);
        console.WriteLine("operators: " + string.Join(", ", model.Operators.Select(op => $"{op.OpType} x{op.Count}")));
        var metadata = new Table().AddColumns("metadata", "value");
        foreach ((string key, string value) in model.Metadata) metadata.AddTextRow(key, Shorten(value));
        if (model.Metadata.Count > 0) console.Write(metadata);
    }

    static string Shorten(string value) => value.Length > 200 ? value[..200] + "..." : value;
}
