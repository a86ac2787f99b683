using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace Cltool.Cli.Tests;

/// <summary>`cltool predict`: offline top-k through the host's code path, against ONNX Runtime run directly here.</summary>
public sealed class PredictTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    string Model()
    {
        string model = _temporary.File("model.onnx");
        CltoolProcess.Result made = CltoolProcess.Run("bench", "model", "--preset", "vit-test-16", "--classes", "4", "-o", model);
        Assert.True(made.ExitCode == 0, made.Output + made.Errors);
        return model;
    }

    /// <summary>A 16×16 PNG (the model's own size, so its preprocessing only normalises) of seeded random colours.</summary>
    static byte[] Png(int seed, out float[] pixels)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(16, 16);
        pixels = new float[3 * 16 * 16];
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                var colour = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                bitmap.SetPixel(x, y, colour);
                byte[] rgb = [colour.Red, colour.Green, colour.Blue];
                for (int c = 0; c < 3; c++) pixels[c * 256 + y * 16 + x] = (rgb[c] / 255f - 0.5f) / 0.5f;
            }
        }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    [Fact]
    public void A_labelled_folder_gets_the_models_own_top_k_accuracy_and_a_confusion_matrix()
    {
        string model = Model(), folder = _temporary.File("images"), output = _temporary.File("out");
        var expectedTop = new Dictionary<string, int>();
        using var session = new InferenceSession(model);
        for (int i = 0; i < 6; i++)
        {
            string label = $"class {i % 3}", path = Path.Combine(folder, label, $"{i}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Png(i, out float[] pixels));
            using var logits = session.Run([NamedOnnxValue.CreateFromTensor("pixel_values", new DenseTensor<float>(pixels, [1, 3, 16, 16]))]);
            float[] values = logits[0].AsEnumerable<float>().ToArray();
            expectedTop[path] = Array.IndexOf(values, values.Max());
        }

        CltoolProcess.Result result = CltoolProcess.Run("predict", folder, "--model", model, "--json", "--top-k", "2", "--out", output);

        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        JsonNode answer = JsonNode.Parse(result.Output)!;
        JsonArray predictions = answer["predictions"]!.AsArray();
        Assert.Equal(6, predictions.Count);
        int correct = 0;
        foreach (JsonNode? p in predictions)
        {
            JsonArray top = p!["top"]!.AsArray();
            Assert.Equal(2, top.Count);
            Assert.True(top[0]!["score"]!.GetValue<double>() >= top[1]!["score"]!.GetValue<double>());
            Assert.Equal(expectedTop[p["image"]!.GetValue<string>()], top[0]!["index"]!.GetValue<int>());
            Assert.Equal($"class {top[0]!["index"]!.GetValue<int>()}", top[0]!["label"]!.GetValue<string>());
            if (top[0]!["label"]!.GetValue<string>() == p["label"]!.GetValue<string>()) correct++;
        }
        Assert.Equal(correct / 6.0, answer["accuracy"]!.GetValue<double>(), 9);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, "confusion.png"))[..4]);
        Assert.Equal(6, JsonNode.Parse(File.ReadAllText(Path.Combine(output, "predictions.json")))!["total"]!.GetValue<int>());
    }

    [Fact]
    public void A_non_image_or_a_class_folder_the_model_does_not_know_is_one_clear_error()
    {
        string model = Model();
        string notImage = _temporary.File("notes.png");
        File.WriteAllText(notImage, "not an image");
        string unknown = _temporary.File("labelled", "zebra", "0.png");
        Directory.CreateDirectory(Path.GetDirectoryName(unknown)!);
        File.WriteAllBytes(unknown, Png(1, out _));

        CltoolProcess.Result image = CltoolProcess.Run("predict", notImage, "--model", model);
        CltoolProcess.Result folder = CltoolProcess.Run("predict", _temporary.File("labelled"), "--model", model, "--out", _temporary.File("out"));

        Assert.Equal(1, image.ExitCode);
        Assert.Contains($"'{notImage}' is not a decodable image (expected PNG, JPEG, WebP or BMP).", image.Errors);
        Assert.Equal(1, folder.ExitCode);
        Assert.Contains("class folder 'zebra' names no label of the model (its labels: class 0, class 1, class 2, class 3).", folder.Errors);
        Assert.False(Directory.Exists(_temporary.File("out")));
    }

    public void Dispose() => _temporary.Dispose();
}
