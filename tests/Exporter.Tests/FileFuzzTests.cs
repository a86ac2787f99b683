using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Exporter.Onnx;

namespace Cltool.Exporter.Tests;

/// <summary>
/// Damaged checkpoints handed to export and damaged ONNX files handed to inspect (seeded, bounded): they work, or fail
/// with the one exception the command line prints as one line, and export then writes nothing.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FileFuzzTests(TinyRuns runs) : IClassFixture<TinyRuns>, IDisposable
{
    const int Iterations = 150;
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Damaged_checkpoints_export_or_fail_with_one_clear_line_and_write_nothing()
    {
        byte[] valid = File.ReadAllBytes(runs.Of(Methods.CLora).TaskCheckpoint(4));
        string path = _temporary.File("checkpoint.safetensors"), output = _temporary.File("out", "model.onnx");

        FuzzCases.Files(ByteMutations.Damaged(valid, ByteMutations.SafeTensorsHeader(valid)), Iterations, path, damaged =>
        {
            try
            {
                ModelExport.Run(damaged, output, new ExportOptions());
                File.Delete(output);
            }
            catch (CltoolException)
            {
                Assert.False(File.Exists(output) || File.Exists(output + ".data"));
                throw;
            }
        });
    }

    [Fact]
    public void Damaged_metrics_files_are_reported_or_fail_with_one_clear_line()
    {
        RunDirectory original = runs.Of(Methods.SdLora);
        string run = _temporary.File("run");
        Directory.CreateDirectory(run);
        File.Copy(original.Recipe, Path.Combine(run, Path.GetFileName(original.Recipe)));
        byte[] valid = File.ReadAllBytes(original.Metrics);

        FuzzCases.Files(ByteMutations.Damaged(valid), Iterations, new RunDirectory(run).Metrics,
            _ => Core.Reports.MethodTable.Markdown(Core.Reports.MethodTable.Build([run])));
    }

    [Fact]
    public void Damaged_class_statistics_load_or_fail_with_one_clear_line()
    {
        RunDirectory run = runs.Of(Methods.SdLora, HeadAlignments.ClassifierAlign);
        TrainRecipe recipe = TrainRecipe.Load(run.Recipe);
        byte[] valid = File.ReadAllBytes(run.Statistics(1));

        FuzzCases.Files(ByteMutations.Damaged(valid, ByteMutations.SafeTensorsHeader(valid)), Iterations, _temporary.File("statistics.safetensors"),
            damaged => ClassStatistics.Load(damaged, recipe, 1));
    }

    [Fact]
    public void Damaged_onnx_files_are_described_or_fail_with_one_clear_line()
    {
        string model = ModelExport.Run(runs.Of(Methods.SdLora).TaskCheckpoint(4), _temporary.File("model.onnx"), new ExportOptions()).ModelPath;
        byte[] valid = File.ReadAllBytes(model);

        FuzzCases.Files(ByteMutations.Damaged(valid, focus: 4096), Iterations, _temporary.File("damaged.onnx"), damaged => OnnxModelSummary.Read(damaged));
    }
}
