/// The HTTP API's OpenAPI 3.1 document, served at `GET /openapi.json`; `docs/openapi.json`
/// is the same text (`peloton openapi` writes it, and a test checks the two agree).
public enum OpenAPIDocument {
    public static let json = #"""
{"openapi": "3.1.0", "info": {"title": "Peloton", "version": "1"}, "paths": {}}
"""#
}
