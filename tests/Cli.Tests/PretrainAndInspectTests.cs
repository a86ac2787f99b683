namespace Cltool.Cli.Tests;

/// <summary>`cltool pretrain` and `cltool inspect` as a user runs them: real processes, real files.</summary>
public sealed class PretrainAndInspectTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Pretrain_writes_a_model_that_inspect_describes()
    {
        string output = _temporary.File("base");
        CltoolProcess.Result pretrain = CltoolProcess.Run("pretrain", "--data", "glyphs:digits?train=4&test=2&size=16", "--model", "vit-test-16",
            "--epochs", "1", "--batch-size", "20", "--out", output);

        Assert.True(pretrain.ExitCode == 0, pretrain.Output + pretrain.Errors);
        Assert.Matches(@"epoch 1 done: mean loss \d+\.\d+, held-out accuracy", pretrain.Output);
        Assert.Contains("model.safetensors", pretrain.Output);

        CltoolProcess.Result inspect = CltoolProcess.Run("inspect", Path.Combine(output, "model.safetensors"));

        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("safetensors, 32 tensors, 19,626 parameters", inspect.Output);
        Assert.Contains("blocks.1.attn.qkv.weight", inspect.Output);
        Assert.Contains("cltool.model", inspect.Output);
    }

    [Fact]
    public void Bench_probe_compares_a_pretrained_model_with_a_random_vit_and_raw_pixels_and_records_it_in_the_card()
    {
        string output = _temporary.File("base"), results = _temporary.File("probe");
        CltoolProcess.Result pretrain = CltoolProcess.Run("pretrain", "--data", "glyphs:digits?train=4&test=2&size=16", "--model", "vit-test-16",
            "--epochs", "1", "--batch-size", "20", "--out", output);
        Assert.True(pretrain.ExitCode == 0, pretrain.Output + pretrain.Errors);

        CltoolProcess.Result probe = CltoolProcess.Run("bench", "probe", "--model", Path.Combine(output, "model.safetensors"),
            "--data", "glyphs:digits?size=16,glyphs:latin-upper?size=16", "--train", "60", "--test", "30", "--record", "--out", results);

        Assert.True(probe.ExitCode == 0, probe.Output + probe.Errors);
        Assert.Matches(@"glyphs:digits\?size=16: base vs raw pixels [+-]\d+\.\d\d points \(linear probe\)", probe.Output);
        Assert.Equal(6, System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "probe.json"))).RootElement.GetArrayLength());
        Assert.Contains("| glyphs:latin-upper?size=16 | 26 | 60 / 30 | raw pixels |", File.ReadAllText(Path.Combine(results, "probe.md")));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(results, "probe.png"))[..4]);
        using var card = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "model.card.json")));
        Assert.Equal(["base (class token)", "random ViT (class token)", "raw pixels"],
            card.RootElement.GetProperty("transfer").EnumerateArray().Take(3).Select(r => r.GetProperty("representation").GetString()));
        Assert.Equal(1, card.RootElement.GetProperty("curve").GetArrayLength());
    }

    [Fact]
    public void Bench_probe_of_a_file_that_is_not_a_vit_is_one_clear_error_and_writes_nothing()
    {
        string notAModel = _temporary.File("weights.safetensors"), results = _temporary.File("probe");
        NotAViT.Write(notAModel);

        CltoolProcess.Result probe = CltoolProcess.Run("bench", "probe", "--model", notAModel, "--out", results);

        Assert.Equal(1, probe.ExitCode);
        Assert.Contains("is not a cltool model file", probe.Errors);
        Assert.Single(probe.Errors.Trim().Split('\n'));
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void Inspect_lists_the_proxy_classes_and_the_look_alikes_it_left_out_by_rule()
    {
        CltoolProcess.Result result = CltoolProcess.Run("inspect", "--data", "glyphs:proxy");
        string output = result.Output.ReplaceLineEndings(" "); // the console wraps long lines at spaces

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("glyphs:proxy (train): 34800 images, 116 classes", output);
        Assert.Contains("look-alikes left out: 58 (a class is dropped when, drawn in the same font, size and position as a class kept before it, " +
                        "95 % of the ink of each lies within 1.5 px of the other's", output);
        Assert.Contains("Α U+0391 ~ A U+0041 (alike in 39/39 fonts, median distance 0.00 px)", output);
        Assert.Contains("я U+044F", output);
    }

    [Fact]
    public void A_damaged_pretraining_checkpoint_is_one_line_naming_the_file_and_the_key_and_nothing_is_written()
    {
        string output = _temporary.File("damaged");
        string[] pretrain = ["pretrain", "--data", "glyphs:digits?train=4&test=2&size=16", "--model", "vit-test-16", "--epochs", "1", "--batch-size", "20", "--out", output];
        Assert.Equal(0, CltoolProcess.Run(pretrain).ExitCode);
        string checkpoint = Path.Combine(output, "checkpoint.safetensors");
        byte[] good = File.ReadAllBytes(checkpoint);

        foreach ((string key, string? value) in new (string, string?)[] { ("recipe", null), ("optimizer_steps", "many"), ("completed_epochs", null) })
        {
            File.WriteAllBytes(checkpoint, WithMetadata(good, key, value));
            var before = Directory.GetFiles(output).ToDictionary(f => f, File.GetLastWriteTimeUtc);

            CltoolProcess.Result resumed = CltoolProcess.Run([.. pretrain, "--resume"]);

            Assert.Equal(1, resumed.ExitCode);
            string error = Assert.Single(resumed.Errors.Trim().Split('\n'));
            Assert.Contains($"'{checkpoint}'", error);
            Assert.Contains($"'{key}'", error);
            Assert.Equal(before, Directory.GetFiles(output).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        }
    }

    /// <summary>A safetensors file with one header metadata key removed (null) or set: the tensors' offsets are relative to the data, so they stay valid.</summary>
    static byte[] WithMetadata(byte[] file, string key, string? value)
    {
        int length = (int)BitConverter.ToInt64(file, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(file.AsSpan(8, length))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        if (value is null) metadata.Remove(key);
        else metadata[key] = value;
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        return [.. BitConverter.GetBytes((long)json.Length), .. json, .. file.AsSpan(8 + length)];
    }

    [Fact]
    public void Pretrain_refuses_a_recipe_with_an_unknown_key_before_any_work()
    {
        string recipe = _temporary.File("recipe.json");
        File.WriteAllText(recipe, "{\"epochs\": 1, \"lr\": 0.1}");

        CltoolProcess.Result result = CltoolProcess.Run("pretrain", "--recipe", recipe, "--out", _temporary.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Recipe", result.Errors);
        Assert.Contains("'lr'", result.Errors);
        Assert.False(Directory.Exists(_temporary.File("out")));
    }

    [Fact]
    public void Inspect_describes_an_onnx_file()
    {
        var builder = new Cltool.Exporter.Onnx.OnnxGraphBuilder("probe");
        builder.AddInput("pixel_values", Onnx.TensorProto.Types.DataType.Float, "batch", 4);
        builder.AddOutput("logits", Onnx.TensorProto.Types.DataType.Float, "batch", 2);
        builder.AddInitializer("head.weight", new float[8], 4, 2);
        builder.AddNode("MatMul", ["pixel_values", "head.weight"], "logits");
        string path = _temporary.File("model.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(builder.Build(new Dictionary<string, string> { ["labels"] = "[\"a\",\"b\"]" })));

        CltoolProcess.Result result = CltoolProcess.Run("inspect", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ONNX IR 8, opsets ai.onnx 17", result.Output);
        Assert.Contains("1 initializers, 8 parameters", result.Output);
        Assert.Matches(@"input\s+.\s+pixel_values\s+.\s+float\s+.\s+\[batch, 4\]", result.Output);
        Assert.Contains("operators: MatMul x1", result.Output);
        Assert.Contains("[\"a\",\"b\"]", result.Output);
    }

    [Fact]
    public void Inspect_draws_a_contact_sheet_of_a_dataset()
    {
        string sheet = _temporary.File("sheet.png");

        CltoolProcess.Result result = CltoolProcess.Run("inspect", "--data", "glyphs:latin-upper", "--sheet", sheet, "--count", "12");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("glyphs:latin-upper (train): 7800 images, 26 classes", result.Output);
        byte[] png = File.ReadAllBytes(sheet);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public void Inspect_of_a_missing_dataset_folder_is_one_clear_error()
    {
        CltoolProcess.Result result = CltoolProcess.Run("inspect", "--data", $"imagefolder:{_temporary.File("nothing")}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Errors);
        Assert.Single(result.Errors.Trim().Split('\n'));
    }
}
