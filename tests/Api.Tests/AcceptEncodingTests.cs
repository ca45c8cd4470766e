using Microsoft.Extensions.Primitives;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Api.Tests;

/// <summary>Which Accept-Encoding headers get the gzipped roll-up (RFC 9110 §12.5.3: q=0 means "not acceptable").</summary>
public sealed class AcceptEncodingTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("GZip")]
    [InlineData("gzip, deflate, br")]
    [InlineData("br;q=1.0, gzip;q=0.8, *;q=0.1")]
    [InlineData("deflate, gzip ; q=0.5")]
    [InlineData("*")]
    [InlineData("identity, *;q=0.001")]
    [InlineData("gzip;q=high")]
    [InlineData("gzip;level=9;q=1")]
    public void Accepts(string header) => Assert.True(AcceptEncoding.AllowsGzip(header));

    [Theory]
    [InlineData("")]
    [InlineData("identity")]
    [InlineData("deflate, br")]
    [InlineData("gzip;q=0")]
    [InlineData("gzip; q=0.000, br")]
    [InlineData("*;q=0")]
    [InlineData("x-gzip2, gzipped")]
    [InlineData("gzip;q=0, *")]
    [InlineData("*, gzip;q=0")]
    public void Refuses(string header) => Assert.False(AcceptEncoding.AllowsGzip(header));

    [Fact]
    public void Any_of_several_header_lines_may_accept_it()
    {
        Assert.True(AcceptEncoding.AllowsGzip(new StringValues(["br", "gzip"])));
        Assert.False(AcceptEncoding.AllowsGzip(new StringValues(["br", "gzip;q=0"])));
        Assert.False(AcceptEncoding.AllowsGzip(StringValues.Empty));
    }
}
