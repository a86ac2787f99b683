using System.Diagnostics;
using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Exporter.Verification;
using Onnx;

namespace Cltool.Exporter.Tests;

/// <summary>Checkpoint → ONNX on real trained runs: parity in ONNX Runtime, metadata, variants, refusals, nothing half-written.</summary>
public sealed class ModelExportTests(TinyRuns runs) : IClassFixture<TinyRuns>, IDisposable
{
    readonly TemporaryDirectory _out = new();

    public void Dispose() => _out.Dispose();

    string LastCheckpoint(string method = Methods.SdLora) => runs.Of(method).TaskCheckpoint(4);

    [Theory]
    [MemberData(nameof(CatalogMethods.Sequential), MemberType = typeof(CatalogMethods))]
    public void A_merged_export_of_every_method_reproduces_the_golden_logits_in_onnx_runtime(string method)
    {
        ExportResult result = ModelExport.Run(LastCheckpoint(method), _out.File("model.onnx"), new ExportOptions());

        Assert.True(result.Parity.Passed, result.Parity.ToString());
        Assert.True(result.Parity.MaxAbsDifference <= 1e-4);
        Assert.Equal(16, result.Parity.TopOneAgreements);
        Assert.Null(result.DataPath);
    }

    [Theory]
    [InlineData(HeadAlignments.WeightAlign)]
    [InlineData(HeadAlignments.ClassifierAlign)]
    [InlineData("ca+mean-shift")]
    public void An_aligned_head_exports_with_parity_and_the_same_test_accuracy_as_the_trainer(string headOption)
    {
        string checkpoint = runs.Of(Methods.SdLora, headOption).TaskCheckpoint(4);
        ExportResult result = ModelExport.Run(checkpoint, _out.File("model.onnx"), new ExportOptions());

        Assert.True(result.Parity.Passed, result.Parity.ToString());
        Assert.True(result.Parity.MaxAbsDifference <= 1e-4);
        TestSetAccuracy accuracy = TestSetAccuracy.Measure(result.ModelPath, ContinualCheckpoint.Load(checkpoint));
        Assert.Equal(accuracy.TrainerCorrect, accuracy.Correct);
    }

    [Fact]
    public void A_fused_attention_export_passes_parity_and_uses_the_contrib_kernel_in_every_block()
    {
        ExportResult result = ModelExport.Run(LastCheckpoint(), _out.File("fused.onnx"), new ExportOptions(FusedAttention: true));

        Assert.True(result.Parity.Passed, result.Parity.ToString());
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.ModelPath));
        Assert.Equal(2, model.Graph.Node.Count(n => n.Domain == "com.microsoft" && n.OpType == "Attention"));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Softmax");
        Assert.Contains(model.OpsetImport, o => o.Domain == "com.microsoft" && o.Version == 1);
    }

    [Fact]
    public void The_metadata_carries_labels_preprocessing_method_tasks_and_the_source_checkpoint()
    {
        string checkpoint = LastCheckpoint();
        ExportResult result = ModelExport.Run(checkpoint, _out.File("model.onnx"), new ExportOptions());

        using var runner = new OnnxRunner(result.ModelPath);
        IReadOnlyDictionary<string, string> metadata = runner.Metadata;
        ContinualCheckpoint stage = ContinualCheckpoint.Load(checkpoint);
        Assert.Equal(stage.Labels, CltoolJson.Deserialize<string[]>(metadata["labels"], "labels"));
        Assert.Equal("sdlora", metadata["method"]);
        Assert.Equal("5", metadata["tasks"]);
        Assert.Equal("16", metadata["image_size"]);
        Assert.Equal("[0.5,0.5,0.5]", metadata["mean"]);
        Assert.Equal("merged", metadata["adapters"]);
        Assert.Equal(FileHash.Sha256(checkpoint), metadata["source_checkpoint_sha256"]);
        Assert.Equal(10, runner.Classes);
    }

    [Fact]
    public void Merged_and_unmerged_exports_agree_and_only_the_unmerged_one_has_adapter_weights()
    {
        string checkpoint = LastCheckpoint();
        ExportResult merged = ModelExport.Run(checkpoint, _out.File("merged.onnx"), new ExportOptions());
        ExportResult unmerged = ModelExport.Run(checkpoint, _out.File("unmerged.onnx"), new ExportOptions(Merge: false));
        GoldenBatch golden = ContinualCheckpoint.Load(checkpoint).Golden!;

        float[] a = Logits(merged.ModelPath, golden), b = Logits(unmerged.ModelPath, golden);
        Assert.True(a.Zip(b).Max(pair => Math.Abs(pair.First - pair.Second)) <= 1e-4);
        Assert.True(unmerged.Parity.Passed, unmerged.Parity.ToString());
        string[] InitializerNames(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Select(t => t.Name).ToArray();
        Assert.DoesNotContain(InitializerNames(merged.ModelPath), name => name.Contains(".lora."));
        // 5 tasks × 2 blocks × (down, up) + 5 magnitudes
        Assert.Equal(25, InitializerNames(unmerged.ModelPath).Count(name => name.Contains("lora.")));
    }

    [Fact]
    public void An_fp16_export_halves_the_file_keeps_fp32_input_and_output_and_passes_its_parity_gate()
    {
        string checkpoint = LastCheckpoint();
        ExportResult fp32 = ModelExport.Run(checkpoint, _out.File("fp32.onnx"), new ExportOptions());
        ExportResult fp16 = ModelExport.Run(checkpoint, _out.File("fp16.onnx"), new ExportOptions(Precision: WeightPrecision.Fp16));

        Assert.True(fp16.Parity.Passed, fp16.Parity.ToString());
        Assert.InRange((double)fp16.Bytes / fp32.Bytes, 0.45, 0.56);
        GraphProto graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fp16.ModelPath)).Graph;
        Assert.Equal((int)TensorProto.Types.DataType.Float, graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal((int)TensorProto.Types.DataType.Float, graph.Output[0].Type.TensorType.ElemType);
        Assert.Equal((int)TensorProto.Types.DataType.Float16, graph.Initializer.Single(t => t.Name == "blocks.0.attn.qkv.weight").DataType);
    }

    [Fact]
    public void Weights_over_the_threshold_go_to_an_external_data_file_that_onnx_runtime_loads()
    {
        ExportResult result = ModelExport.Run(LastCheckpoint(), _out.File("big.onnx"), new ExportOptions(ExternalDataThreshold: 1024));

        Assert.Equal(_out.File("big.onnx.data"), result.DataPath);
        Assert.True(result.Parity.Passed, result.Parity.ToString());
        Assert.True(new FileInfo(result.ModelPath).Length < new FileInfo(result.DataPath!).Length / 4);
        Assert.Empty(Directory.GetDirectories(_out.Path));
    }

    [Fact]
    public void An_earlier_stage_exports_with_its_own_classes_and_golden_batch()
    {
        ExportResult result = ModelExport.Run(runs.Of(Methods.SdLora).TaskCheckpoint(1), _out.File("task2.onnx"), new ExportOptions());

        Assert.True(result.Parity.Passed, result.Parity.ToString());
        using var runner = new OnnxRunner(result.ModelPath);
        Assert.Equal(4, runner.Classes);
        Assert.Equal("2", runner.Metadata["tasks"]);
    }

    [Fact]
    public void The_exported_models_test_set_accuracy_equals_the_trainers()
    {
        string checkpoint = LastCheckpoint();
        ExportResult result = ModelExport.Run(checkpoint, _out.File("model.onnx"), new ExportOptions());

        TestSetAccuracy accuracy = TestSetAccuracy.Measure(result.ModelPath, ContinualCheckpoint.Load(checkpoint));

        Assert.Equal(40, accuracy.Total);
        Assert.Equal(accuracy.TrainerCorrect, accuracy.Correct);
    }

    [Fact]
    public void A_failed_parity_check_is_an_error_and_leaves_no_file_behind()
    {
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint());
        float[] shifted = stage.Golden!.Logits.Data.Select(v => v + 0.01f).ToArray();
        string tampered = _out.File("tampered.safetensors");
        (stage with { Golden = stage.Golden with { Logits = new HostTensor(shifted, stage.Golden.Logits.Shape) } }).Save(tampered);
        string output = _out.File("exports", "model.onnx");

        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(tampered, output, new ExportOptions()));

        Assert.Contains("Parity check failed: max |logit difference| 1.00e-02", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_out.File("exports")));
    }

    [Fact]
    public void Exporting_over_an_earlier_model_replaces_it_and_removes_its_stale_external_data()
    {
        string output = _out.File("model.onnx");
        ModelExport.Run(LastCheckpoint(), output, new ExportOptions(ExternalDataThreshold: 1024));
        ModelExport.Run(LastCheckpoint(), output, new ExportOptions());

        Assert.False(File.Exists(output + ".data"));
        Assert.True(Parity.Check(output, ContinualCheckpoint.Load(LastCheckpoint()).Golden!, Parity.Fp32Tolerance).Passed);
    }

    [Fact]
    public void A_checkpoint_without_its_own_golden_batch_uses_the_runs_golden_file_only_when_it_was_made_from_it()
    {
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint());
        var run = new RunDirectory(_out.File("old-run"));
        string checkpoint = run.TaskCheckpoint(4);
        Directory.CreateDirectory(run.Checkpoints);
        (stage with { Golden = null }).Save(checkpoint);

        stage.Golden!.Save(run.Golden, FileHash.Sha256(checkpoint));
        Assert.True(ModelExport.Run(checkpoint, _out.File("model.onnx"), new ExportOptions()).Parity.Passed);

        stage.Golden.Save(run.Golden, "the sha256 of another checkpoint");
        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(checkpoint, _out.File("other.onnx"), new ExportOptions()));
        Assert.Contains("has no golden batch", error.Message);
        Assert.False(File.Exists(_out.File("other.onnx")));
    }

    public static TheoryData<string, string> BadCheckpoints => new()
    {
        { "not-a-checkpoint", "is not valid safetensors" },
        { "truncated", "truncated" },
        { "other-version", "is a cltool checkpoint of version 4; this cltool reads versions 1 to 3" },
        { "unknown-method", "holds method 'l2p', which this cltool does not know (it knows sdlora, " },
        { "model-file", "is not a cltool checkpoint" },
    };

    [Theory]
    [MemberData(nameof(BadCheckpoints))]
    public void A_bad_checkpoint_is_one_clear_error_and_writes_nothing(string kind, string message)
    {
        string path = BadCheckpoint(kind);
        string output = _out.File("exports", "model.onnx");

        var error = Assert.ThrowsAny<CltoolException>(() => ModelExport.Run(path, output, new ExportOptions()));

        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(_out.File("exports")) && Directory.GetFileSystemEntries(_out.File("exports")).Length > 0);
    }

    [Fact]
    public void An_output_path_that_cannot_be_written_fails_and_writes_nothing()
    {
        File.WriteAllText(_out.File("a-file"), "not a directory");

        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(LastCheckpoint(), _out.File("a-file", "model.onnx"), new ExportOptions()));
        Assert.StartsWith($"Could not write '{_out.File("a-file", "model.onnx")}': ", error.Message);
        Assert.EndsWith("Nothing was written.", error.Message);
        Assert.Equal([_out.File("a-file")], Directory.GetFileSystemEntries(_out.Path));
    }

    [Fact]
    public void The_triton_repository_holds_the_verified_model_labels_and_a_matching_config()
    {
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint());
        ExportResult result = ModelExport.Run(LastCheckpoint(), _out.File("model.onnx"), new ExportOptions());
        var model = new TritonRepository.Model("tiny-vit", 3, 16, stage.Labels, 8, 500);

        string directory = TritonRepository.Write(_out.File("triton"), model, result.ModelPath, result.DataPath).Directory;

        Assert.Equal(File.ReadAllBytes(result.ModelPath), File.ReadAllBytes(Path.Combine(directory, "1", "model.onnx")));
        Assert.Equal(stage.Labels, File.ReadAllLines(Path.Combine(directory, "labels.txt")));
        string config = File.ReadAllText(Path.Combine(directory, "config.pbtxt"));
        Assert.Contains("name: \"tiny-vit\"", config);
        Assert.Contains("platform: \"onnxruntime_onnx\"", config);
        Assert.Contains("max_batch_size: 8", config);
        Assert.Contains("name: \"pixel_values\" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 16, 16 ]", config);
        Assert.Contains("name: \"logits\" data_type: TYPE_FP32 dims: [ 10 ] label_filename: \"labels.txt\"", config);
        Assert.Contains("dynamic_batching { max_queue_delay_microseconds: 500 }", config);
        Assert.Single(Directory.GetDirectories(_out.File("triton")));   // no staging left over
    }

    [Fact]
    public void Exporting_into_an_existing_model_adds_the_next_version_and_leaves_the_others_alone()
    {
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint());
        ExportResult result = ModelExport.Run(LastCheckpoint(), _out.File("model.onnx"), new ExportOptions());
        var model = new TritonRepository.Model("tiny-vit", 3, 16, stage.Labels, 8, 500);
        string repository = _out.File("triton");
        TritonRepository.Write(repository, model, result.ModelPath, result.DataPath);
        File.WriteAllText(Path.Combine(repository, "tiny-vit", "1", "model.onnx"), "served version 1");
        Directory.CreateDirectory(Path.Combine(repository, "tiny-vit", "07"));   // not a version in Triton's rules

        TritonRepository.Written second = TritonRepository.Write(repository, model, result.ModelPath, result.DataPath);
        TritonRepository.Written third = TritonRepository.Write(repository, model, result.ModelPath, result.DataPath);

        Assert.Equal((2L, 3L), (second.Version, third.Version));
        Assert.Equal("served version 1", File.ReadAllText(Path.Combine(repository, "tiny-vit", "1", "model.onnx")));
        Assert.Equal(File.ReadAllBytes(result.ModelPath), File.ReadAllBytes(Path.Combine(repository, "tiny-vit", "3", "model.onnx")));
        Assert.Contains("name: \"logits\" data_type: TYPE_FP32 dims: [ -1 ]", File.ReadAllText(Path.Combine(repository, "tiny-vit", "config.pbtxt")));
        Assert.Equal(["tiny-vit"], Directory.GetDirectories(repository).Select(Path.GetFileName));   // no staging left over
    }

    [Fact]
    public void An_int8_export_agrees_with_fp32_on_the_test_split_and_stores_the_mlp_weights_in_a_quarter_of_the_bytes()
    {
        ExportResult fp32 = ModelExport.Run(LastCheckpoint(), _out.File("fp32.onnx"), new ExportOptions());
        ExportResult int8 = ModelExport.Run(LastCheckpoint(), _out.File("int8.onnx"), new ExportOptions(Precision: WeightPrecision.Int8));

        QuantisedAgreement agreement = int8.Agreement!;
        Assert.True(agreement.Passed, agreement.ToString());
        Assert.True(agreement.Agreement >= 0.99, agreement.ToString());
        Assert.Equal(TestSetAccuracy.Measure(fp32.ModelPath, fp32.Checkpoint).Correct, agreement.Fp32Correct);
        Assert.Equal(TestSetAccuracy.Measure(int8.ModelPath, int8.Checkpoint).Correct, agreement.QuantisedCorrect);
        Assert.True(int8.Parity.MaxAbsDifference is > 0 and < 0.5, int8.Parity.ToString());   // moved, but not far
        long mlpBytes = ModelExport.Graph(fp32.Checkpoint, "sha", new ExportOptions()).Graph.Initializer
            .Where(t => t.Name.Contains(".mlp.fc") && t.Name.EndsWith(".weight")).Sum(t => (long)t.RawData.Length);
        Assert.InRange(fp32.Bytes - int8.Bytes, 0.6 * mlpBytes, 0.75 * mlpBytes);   // int8 values: a quarter; plus scales and nodes
        Assert.Equal("int8", ModelProto.Parser.ParseFrom(File.ReadAllBytes(int8.ModelPath)).MetadataProps.Single(p => p.Key == "dtype").Value);
        Assert.Equal([Path.GetFileName(fp32.ModelPath), Path.GetFileName(int8.ModelPath)], Directory.GetFileSystemEntries(_out.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void An_int8_export_that_fails_the_agreement_gate_is_one_error_with_the_figure_and_writes_nothing()
    {
        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(LastCheckpoint(), _out.File("int8.onnx"),
            new ExportOptions(Precision: WeightPrecision.Int8, MinimumInt8Agreement: 1.01)));

        Assert.Matches(@"^int8 agreement check failed: top-1 identical to fp32 on \d+\.\d\d % of \d+ test images \(\d+; at least 101 % needed\), accuracy .* No model was written\.$", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_out.Path));
    }

    [Theory]
    [InlineData(false, false, "--dtype int8 needs merged weights (the low-rank branches would stay float); drop --no-merge.")]
    [InlineData(true, true, "--dtype int8 quantises the standard attention graph's linears; drop --fused-attention.")]
    public void Int8_with_unmerged_branches_or_fused_attention_is_refused_naming_the_option(bool merge, bool fused, string message)
    {
        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(LastCheckpoint(), _out.File("int8.onnx"),
            new ExportOptions(Merge: merge, Precision: WeightPrecision.Int8, FusedAttention: fused)));

        Assert.Equal(message, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_out.Path));
    }

    [Fact]
    public void Per_column_int8_is_symmetric_and_within_half_a_step_of_every_weight()
    {
        float[] matrix = [0.5f, -2f, 0f, 0.3f, 1.1f, 0f, -0.5f, 0.1f, 0f];   // [3, 3]; the last column is all zero

        (sbyte[] values, float[] scales) = Cltool.Exporter.Onnx.Int8Quantization.PerColumn(matrix, 3, 3);

        Assert.Equal([0.5f / 127, 2f / 127, 1f], scales);
        Assert.Equal([127, -127, 0, 76, 70, 0, -127, 6, 0], values.Select(v => (int)v));
        for (int i = 0; i < matrix.Length; i++) Assert.True(Math.Abs(values[i] * scales[i % 3] - matrix[i]) <= scales[i % 3] / 2 + 1e-7);
    }

    [Fact]
    public void Every_kind_of_export_passes_the_onnx_checker_with_full_check()
    {
        string checkpoint = LastCheckpoint();
        string[] models =
        [
            ModelExport.Run(checkpoint, _out.File("merged.onnx"), new ExportOptions()).ModelPath,
            ModelExport.Run(checkpoint, _out.File("unmerged.onnx"), new ExportOptions(Merge: false)).ModelPath,
            ModelExport.Run(checkpoint, _out.File("fp16.onnx"), new ExportOptions(Precision: WeightPrecision.Fp16)).ModelPath,
            ModelExport.Run(checkpoint, _out.File("external.onnx"), new ExportOptions(ExternalDataThreshold: 1024)).ModelPath,
            ModelExport.Run(checkpoint, _out.File("fused.onnx"), new ExportOptions(FusedAttention: true)).ModelPath,
            ModelExport.Run(checkpoint, _out.File("int8.onnx"), new ExportOptions(Precision: WeightPrecision.Int8)).ModelPath,
        ];

        CheckWithOnnx(models);
    }

    [Fact]
    public void An_sdlora_kd_run_with_some_modules_absorbed_exports_merged_and_unmerged_with_parity_and_passes_the_checker()
    {
        // τ between the smallest and the median residual of task 2's fits (identical in every run up to that absorb):
        // task 2's direction is absorbed in some modules and kept in others.
        ContinualCheckpoint always = ContinualCheckpoint.Load(runs.Of(Methods.SdLoraKd, kdThreshold: 1).TaskCheckpoint(4));
        AbsorptionReport task2 = always.Metrics!.Absorptions![0];
        string checkpoint = runs.Of(Methods.SdLoraKd, kdThreshold: (task2.MinResidual + task2.MedianResidual) / 2).TaskCheckpoint(4);
        ContinualCheckpoint stage = ContinualCheckpoint.Load(checkpoint);
        LoraFactors[] modules = stage.Directions()[1].Query.Concat(stage.Directions()[1].Value).ToArray();
        Assert.Contains(modules, f => f.Rank == 0);
        Assert.Contains(modules, f => f.Rank > 0);
        Assert.NotNull(stage.Directions()[0].Offsets);

        ExportsMergedAndUnmergedWithParityThatTheCheckerAccepts(checkpoint);
    }

    [Theory]
    [InlineData(CLoraSettings.QueryValue)]
    [InlineData(CLoraSettings.KeyValue)]
    public void A_clora_run_exports_merged_and_unmerged_with_parity_and_passes_the_checker(string targets)
    {
        ExportsMergedAndUnmergedWithParityThatTheCheckerAccepts(runs.Of(Methods.CLora, clora: new CLoraSettings { Targets = targets }).TaskCheckpoint(4));
    }

    void ExportsMergedAndUnmergedWithParityThatTheCheckerAccepts(string checkpoint)
    {
        ExportResult merged = ModelExport.Run(checkpoint, _out.File("merged.onnx"), new ExportOptions());
        ExportResult unmerged = ModelExport.Run(checkpoint, _out.File("unmerged.onnx"), new ExportOptions(Merge: false));

        Assert.True(merged.Parity.Passed && merged.Parity.MaxAbsDifference <= 1e-4, merged.Parity.ToString());
        Assert.True(unmerged.Parity.Passed && unmerged.Parity.MaxAbsDifference <= 1e-4, unmerged.Parity.ToString());
        CheckWithOnnx([merged.ModelPath, unmerged.ModelPath]);
    }

    [Fact]
    public void A_clora_checkpoint_whose_shapes_disagree_with_its_recipe_is_one_clear_error()
    {
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint(Methods.CLora));
        string path = _out.File("rank-9.safetensors");
        (stage with { Recipe = stage.Recipe with { Rank = 9 } }).Save(path);

        var error = Assert.Throws<CltoolException>(() => ModelExport.Run(path, _out.File("model.onnx"), new ExportOptions()));

        Assert.Equal($"'{path}' tensor 'clora.blocks.0.attn.q.lora_A' has shape [10, 32]; expected [9, 32] (rank 9, width 32).", error.Message);
        Assert.False(File.Exists(_out.File("model.onnx")));
    }

    /// <summary>onnx.checker with full_check (shape inference included) on every model, in Debian's python3-onnx.</summary>
    static void CheckWithOnnx(string[] models)
    {
        const string script = "import sys, onnx\nfor path in sys.argv[1:]:\n    onnx.checker.check_model(path, full_check=True)\n    print('ok', path)\n";
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-c", script, .. models]) start.ArgumentList.Add(argument);
        using Process python = Process.Start(start)!;
        string output = python.StandardOutput.ReadToEnd(), errors = python.StandardError.ReadToEnd();
        python.WaitForExit();

        Assert.True(python.ExitCode == 0, errors);
        Assert.Equal(models.Length, output.Split('\n').Count(line => line.StartsWith("ok ")));
    }

    string BadCheckpoint(string kind)
    {
        string path = _out.File(kind + ".safetensors");
        ContinualCheckpoint stage = ContinualCheckpoint.Load(LastCheckpoint());
        switch (kind)
        {
            case "not-a-checkpoint":
                File.WriteAllText(path, "hello, I am a text file");
                break;
            case "truncated":
                byte[] bytes = File.ReadAllBytes(LastCheckpoint());
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "other-version":
                using (SafeTensorsFile file = SafeTensorsFile.Open(LastCheckpoint()))
                {
                    var writer = new SafeTensorsWriter();
                    foreach ((string key, string value) in file.Metadata) writer.Metadata[key] = value;
                    writer.Metadata["version"] = "4";
                    foreach (TensorEntry tensor in file.Tensors) writer.Add(tensor.Name, file.ReadFloats(tensor.Name), tensor.Shape);
                    writer.Save(path);
                }
                break;
            case "unknown-method":
                (stage with { Recipe = stage.Recipe with { Method = "l2p" } }).Save(path);
                break;
            case "model-file":
                TinyBase.Write(path);
                break;
        }
        return path;
    }

    static float[] Logits(string model, GoldenBatch golden)
    {
        using var runner = new OnnxRunner(model);
        return runner.Logits(golden.Pixels.Data, golden.Count);
    }
}
