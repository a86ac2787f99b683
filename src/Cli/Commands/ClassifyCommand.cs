using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

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
