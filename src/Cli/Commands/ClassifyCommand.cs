using System.ComponentModel;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ClassifySettings : CommandSettings
{
    [CommandArgument(0, "[IMAGE]")]
    [Description("An image file (PNG, JPEG, WebP, BMP); or use --data and --index.")]
    public string? Image { get; init; }

    [CommandOption("--url <URL>")]
    [Description("The inference host.")]
    [DefaultValue("http://127.0.0.1:8000")]
    public string Url { get; init; } = "http://127.0.0.1:8000";

    [CommandOption("--model <NAME>")]
    [Description("The model's name on the host.")]
    [DefaultValue("model")]
    public string Model { get; init; } = "model";

    [CommandOption("--data <NAME>")]
    [Description("Send a test image of this dataset instead of a file.")]
    public string? Data { get; init; }

    [CommandOption("--index <N>")]
    [Description("Which test image of --data.")]
    [DefaultValue(0)]
    public int Index { get; init; }

    [CommandOption("--top-k <K>")]
    [DefaultValue(3)]
    public int TopK { get; init; } = 3;

    [CommandOption("--api-key <KEY>")]
    [Description("The host's API key, if it requires one (or CLTOOL_API_KEY).")]
    public string? ApiKey { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires((Image is null) != (Data is null), "give either IMAGE or --data (with --index), not both or neither."),
        Rules.FileExists("IMAGE", Image),
        Rules.NonNegative("--index", Index),
        Rules.Positive("--top-k", TopK),
        Rules.Requires(Uri.TryCreate(Url, UriKind.Absolute, out _), $"--url must be an absolute URL, got '{Url}'."));
}

/// <summary>A client of the inference host: uploads one image to the classify endpoint and prints the top-k answer.</summary>
public sealed class ClassifyCommand(IAnsiConsole console) : AsyncCommand<ClassifySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClassifySettings settings, CancellationToken cancellationToken)
    {
        (byte[] image, string what) = Load(settings);
        using var client = new HttpClient { BaseAddress = new Uri(settings.Url), Timeout = TimeSpan.FromSeconds(30) };
        string? key = InferenceHost.ServeOptions.ApiKeyOrEnvironment(settings.ApiKey);
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        HttpResponseMessage response;
        try
        {
            response = await client.PostAsync($"/v1/models/{Uri.EscapeDataString(settings.Model)}/classify?top_k={settings.TopK}", new ByteArrayContent(image), cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw new CltoolException($"cannot reach the host at {settings.Url}: {CltoolException.OneLine(error.Message)}");
        }
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? answer = JsonNode.Parse(body);
        if (!response.IsSuccessStatusCode)
            throw new CltoolException($"the host answered {(int)response.StatusCode}: {answer?["error"]?.GetValue<string>() ?? body}");
        console.MarkupLineInterpolated($"{what} → {settings.Url} model '{settings.Model}':");
        foreach (JsonNode? prediction in answer!["predictions"]!.AsArray())
            console.MarkupLineInterpolated($"  {prediction!["label"]!.GetValue<string>(),-14} {prediction["score"]!.GetValue<double>() * 100,6:F2} %  (output {prediction["index"]!.GetValue<int>()})");
        return 0;
    }

    static (byte[] Image, string What) Load(ClassifySettings settings)
    {
        if (settings.Image is not null) return (File.ReadAllBytes(settings.Image), settings.Image);
        IImageDataset test = DatasetCatalog.Open(settings.Data!, DatasetSplit.Test);
        if (settings.Index >= test.Count) throw new CltoolException($"--index {settings.Index} is past the end of {test.Name}'s {test.Count} test images.");
        return (test.Load(settings.Index).EncodePng(), $"{test.Name} test image #{settings.Index} (true class: {test.ClassNames[test.LabelOf(settings.Index)]})");
    }
}
