using System.Net;
using Cltool.Core.Errors;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cltool.InferenceHost;

/// <summary>
/// Listen addresses as the options give them (<c>http://HOST:PORT</c>, or <c>https://</c> with TLS on; several separated
/// by ';'), each bound with the protocol its surface needs: HTTP/1.1 for REST, HTTP/2 only for gRPC, because without TLS
/// Kestrel cannot negotiate between the two on one port (and gRPC clients speak cleartext HTTP/2 with prior knowledge).
/// With TLS every address is served over TLS, whichever scheme it was written with. Port 0 picks a free port;
/// <see cref="Bound"/> says which.
/// </summary>
public sealed class KestrelAddresses(string urls, HttpProtocols protocols, TlsCertificates? tls = null)
{
    readonly List<ListenOptions> _bound = [];

    public void Listen(KestrelServerOptions kestrel)
    {
        foreach (string url in Each(urls))
        {
            (string host, int port) = Parse(url, tls is not null);
            Action<ListenOptions> configure = listen =>
            {
                listen.Protocols = protocols;
                if (tls is not null) listen.UseHttps(tls.Https());
                _bound.Add(listen);
            };
            if (host is "*" or "+" or "0.0.0.0" or "[::]") kestrel.ListenAnyIP(port, configure);
            else if (host == "localhost") kestrel.ListenLocalhost(port, configure);
            else kestrel.Listen(IPAddress.Parse(host.Trim('[', ']')), port, configure);
        }
    }

    /// <summary>The addresses actually bound (after start), as http://HOST:PORT (https:// with TLS).</summary>
    public IReadOnlyList<string> Bound => _bound.Select(Address).ToArray();

    string Scheme => tls is null ? "http" : "https";

    string Address(ListenOptions listen) => listen.IPEndPoint switch
    {
        null => listen.ToString() ?? "",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } endpoint => $"{Scheme}://[{endpoint.Address}]:{endpoint.Port}",
        var endpoint => $"{Scheme}://{endpoint.Address}:{endpoint.Port}",
    };

    /// <summary>The first problem with the option's addresses, naming it; null when they parse.</summary>
    public static string? Problem(string option, string urls, bool tls)
    {
        foreach (string url in Each(urls))
        {
            try { Parse(url, tls); }
            catch (CltoolException error) { return $"{option}: {error.Message}"; }
        }
        return null;
    }

    static string[] Each(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static (string Host, int Port) Parse(string url, bool tls)
    {
        string expected = $"expected http://HOST:PORT{(tls ? " or https://HOST:PORT" : "")} (HOST an IP address, localhost or *), got '{url}'";
        bool secure = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (secure && !tls) throw new CltoolException($"'{url}' asks for TLS: give --tls-cert and --tls-key (PEM files).");
        if (!secure && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) throw new CltoolException(expected);
        string rest = url[(secure ? "https://" : "http://").Length..].TrimEnd('/');
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], out int port) || port is < 0 or > 65535) throw new CltoolException(expected);
        string host = rest[..colon];
        if (host is not ("*" or "+" or "localhost") && !IPAddress.TryParse(host.Trim('[', ']'), out _)) throw new CltoolException(expected);
        return (host, port);
    }
}
