using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cltool.Core.Errors;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Cltool.InferenceHost;

/// <summary>
/// The host's TLS, read once before anything listens: the server certificate with its private key (PEM files), and for
/// mutual TLS the CA whose certificates clients must present (PEM). Kestrel then serves REST and gRPC over TLS itself
/// (gRPC negotiates HTTP/2 by ALPN). Any file that is missing, unreadable, not PEM, or a key that does not match its
/// certificate is one error naming the file, before the host listens.
/// </summary>
public sealed class TlsCertificates(X509Certificate2 server, X509Certificate2Collection? clientAuthorities)
{
    public X509Certificate2 Server => server;

    /// <summary>The certificates the options name; null without --tls-cert.</summary>
    public static TlsCertificates? Load(ServeOptions options)
    {
        if (options.TlsCertificate is not { } certificate) return null;
        X509Certificate2 server = Read("--tls-cert/--tls-key", [certificate, options.TlsKey!], () => X509Certificate2.CreateFromPemFile(certificate, options.TlsKey));
        if (!server.HasPrivateKey) throw new CltoolException($"--tls-key: '{options.TlsKey}' holds no private key for '{certificate}'.");
        X509Certificate2Collection? authorities = options.TlsClientCa is { } ca ? Read("--tls-client-ca", [ca], () =>
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(ca);
            return collection.Count > 0 ? collection : throw new CryptographicException("no PEM certificate in it");
        }) : null;
        return new TlsCertificates(server, authorities);
    }

    static T Read<T>(string option, string[] files, Func<T> read)
    {
        if (files.FirstOrDefault(file => !File.Exists(file)) is { } missing) throw new CltoolException($"{option}: file '{missing}' does not exist.");
        try
        {
            return read();
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CltoolException($"{option}: could not use '{string.Join("' and '", files)}' as {(files.Length == 2 ? "a PEM certificate and its private key" : "PEM certificates")}: " +
                                      $"{error.Message.TrimEnd('.')}.");
        }
    }

    /// <summary>Kestrel's TLS for one address: the server certificate, and a client certificate required and checked against the CA with mutual TLS.</summary>
    public HttpsConnectionAdapterOptions Https() => new()
    {
        ServerCertificate = server,
        ClientCertificateMode = clientAuthorities is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
        ClientCertificateValidation = clientAuthorities is null ? null : (certificate, _, _) => IssuedByAuthority(certificate),
    };

    /// <summary>The client's certificate chains to the given CA alone (the system's roots are not trusted for clients).</summary>
    bool IssuedByAuthority(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientAuthorities!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
