using System.Text.Json.Nodes;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Ui;

/// <summary>
/// The page a person gets on opening the host in a browser (`--no-ui` turns it off): the served models, their versions
/// with what each was trained on, and an image drop that answers through the classify endpoint. Its three files are
/// embedded in the host and reference nothing outside it, so it works offline. The files are public (they hold no
/// data); the model list and every classification need the API key when one is set, which the page asks for.
/// </summary>
public static class WebPage
{
    static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/ui/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    // Only the host's own files and answers: no inline script, no other origin, images only from uploads being previewed.
    const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Whether <paramref name="path"/> is one of the page's files, served without the API key.</summary>
    public static bool IsPublic(PathString path) => Files.Any(f => path.Equals(f.Path, StringComparison.Ordinal));

    public static void Map(WebApplication app, ModelRepository repository)
    {
        foreach ((string path, string resource, string contentType) in Files)
        {
            byte[] content = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(content, contentType);
            });
        }
        app.MapGet("/ui/models", () => Results.Json(Models(repository)));
    }

    static byte[] Read(string resource)
    {
        using Stream stream = typeof(WebPage).Assembly.GetManifestResourceStream($"ui/{resource}")
                              ?? throw new InvalidOperationException($"the host was built without its page file ui/{resource}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Every served model with its ready versions (highest first) as the page shows them.</summary>
    static JsonObject Models(ModelRepository repository) => new()
    {
        ["models"] = new JsonArray(repository.ServedModels().Select(name => (JsonNode)new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(repository.ReadyVersions(name).Select(Version).ToArray<JsonNode>()),
        }).ToArray()),
    };

    static JsonObject Version(ServedVersion served)
    {
        ModelSession session = served.Session;
        string? Property(string key) => session.Properties.TryGetValue(key, out string? value) ? value : null;
        return new JsonObject
        {
            ["version"] = served.Version.ToString(),
            ["input"] = new JsonArray(session.Channels, session.Height, session.Width),
            ["labels"] = new JsonArray(session.Metadata.Labels.Select(label => (JsonNode)label).ToArray()),
            ["method"] = Property("method"),
            ["tasks"] = Property("tasks"),
            ["tasks_in_run"] = Property("tasks_in_run"),
            ["adapters"] = Property("adapters"),
            ["dtype"] = Property("dtype"),
            ["sha256"] = session.Sha256,
            ["provider"] = session.ExecutionProvider,
        };
    }
}
