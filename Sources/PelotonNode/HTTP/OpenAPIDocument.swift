// Written by Tools/openapi-embed from docs/openapi.json: edit that file, then run the tool.

/// The HTTP API's OpenAPI 3.1 document, served at `GET /openapi.json`.
public enum OpenAPIDocument {
    public static let json = ##"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Peloton node HTTP API",
    "version": "1.0.0",
    "description": "Every node of a Peloton mesh serves this API; any node takes any request. Every 4xx and 5xx answer is JSON of the shape {\"error\": CODE, \"message\": WHY}, CODE one of the Error schema's list. Clients on loopback need no credentials; others send `Authorization: Bearer TOKEN` (the node's --http-token-file)."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:7980"
    }
  ],
  "security": [
    {},
    {
      "bearer": []
    }
  ],
  "paths": {
    "/v1/health": {
      "get": {
        "operationId": "health",
        "summary": "Whether this node can be joined and takes requests (503 while starting, draining or leaving).",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "503": {
            "description": "Starting, draining or leaving.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/members": {
      "get": {
        "operationId": "members",
        "summary": "The members this node knows, with their status.",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Members"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/ring": {
      "get": {
        "operationId": "ring",
        "summary": "The placement ring: members' shares, and each service's versions, replicas and owners.",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ring"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics.",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This document.",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/": {
      "get": {
        "operationId": "dashboard",
        "summary": "The management dashboard (HTML).",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/dashboard/sections": {
      "get": {
        "operationId": "dashboardSections",
        "summary": "The dashboard's live sections (HTML), which the page polls.",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/call/{service}/{method}": {
      "post": {
        "operationId": "call",
        "summary": "Call a service's method on its owners; reissued to the next owner when one fails (see the README for when).",
        "parameters": [
          {
            "name": "service",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}$"
            },
            "description": "The service's name."
          },
          {
            "name": "method",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}(\\.(json|txt|html))?$"
            },
            "description": "The method's name, optionally with .json, .txt or .html to choose the reply's format."
          },
          {
            "name": "key",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 512
            },
            "description": "Places a keyed call on the key's owners."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "version",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "`1.2.0` asks only owners of that version; `newest` asks the newest first."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "description": "The request, JSON by convention, at most 1 MiB.",
          "content": {
            "application/json": {
              "schema": {}
            },
            "*/*": {
              "schema": {}
            }
          }
        },
        "responses": {
          "200": {
            "description": "The handler's reply, in the format asked for.",
            "content": {
              "application/json": {
                "schema": {}
              },
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              },
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              },
              "X-Peloton-Attempts": {
                "description": "Owners asked.",
                "schema": {
                  "type": "string"
                }
              },
              "X-Peloton-Served-By": {
                "description": "The owner that answered.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/gcounter/{key}": {
      "get": {
        "operationId": "read_gcounter",
        "tags": [
          "state"
        ],
        "summary": "Read a gcounter, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_gcounter",
        "tags": [
          "state"
        ],
        "summary": "Write a gcounter, naming the operation in the body: increment.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "allOf": [
                  {
                    "type": "object",
                    "required": [
                      "operation"
                    ],
                    "properties": {
                      "operation": {
                        "const": "increment"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "properties": {
                      "by": {
                        "type": [
                          "integer",
                          "null"
                        ],
                        "minimum": 0,
                        "maximum": 9223372036854775807,
                        "description": "1 unless given."
                      }
                    }
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/gcounter/{key}/increment": {
      "post": {
        "operationId": "increment_gcounter",
        "tags": [
          "state"
        ],
        "summary": "increment on a gcounter. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "by": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0,
                    "maximum": 9223372036854775807,
                    "description": "1 unless given."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/gcounter/{key}/watch": {
      "get": {
        "operationId": "watch_gcounter",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the gcounter it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/counter/{key}": {
      "get": {
        "operationId": "read_counter",
        "tags": [
          "state"
        ],
        "summary": "Read a counter, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_counter",
        "tags": [
          "state"
        ],
        "summary": "Write a counter, naming the operation in the body: increment, decrement.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "increment"
                          }
                        }
                      },
                      {
                        "type": "object",
                        "properties": {
                          "by": {
                            "type": [
                              "integer",
                              "null"
                            ],
                            "minimum": -9223372036854775808,
                            "maximum": 9223372036854775807,
                            "description": "1 unless given."
                          }
                        }
                      }
                    ]
                  },
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "decrement"
                          }
                        }
                      },
                      {
                        "type": "object",
                        "properties": {
                          "by": {
                            "type": [
                              "integer",
                              "null"
                            ],
                            "minimum": -9223372036854775808,
                            "maximum": 9223372036854775807,
                            "description": "1 unless given."
                          }
                        }
                      }
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/counter/{key}/increment": {
      "post": {
        "operationId": "increment_counter",
        "tags": [
          "state"
        ],
        "summary": "increment on a counter. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "by": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": -9223372036854775808,
                    "maximum": 9223372036854775807,
                    "description": "1 unless given."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/counter/{key}/decrement": {
      "post": {
        "operationId": "decrement_counter",
        "tags": [
          "state"
        ],
        "summary": "decrement on a counter. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "by": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": -9223372036854775808,
                    "maximum": 9223372036854775807,
                    "description": "1 unless given."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/counter/{key}/watch": {
      "get": {
        "operationId": "watch_counter",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the counter it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/register/{key}": {
      "get": {
        "operationId": "read_register",
        "tags": [
          "state"
        ],
        "summary": "Read a register, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_register",
        "tags": [
          "state"
        ],
        "summary": "Write a register, naming the operation in the body: assign.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "allOf": [
                  {
                    "type": "object",
                    "required": [
                      "operation"
                    ],
                    "properties": {
                      "operation": {
                        "const": "assign"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "properties": {
                      "value": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "value"
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "put": {
        "operationId": "assign_register",
        "tags": [
          "state"
        ],
        "summary": "Assign the register.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "value": {
                    "type": "string",
                    "maxLength": 65536,
                    "description": "At most 65536 bytes of UTF-8."
                  }
                },
                "required": [
                  "value"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/register/{key}/assign": {
      "post": {
        "operationId": "assign_register",
        "tags": [
          "state"
        ],
        "summary": "assign on a register. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "value": {
                    "type": "string",
                    "maxLength": 65536,
                    "description": "At most 65536 bytes of UTF-8."
                  }
                },
                "required": [
                  "value"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/register/{key}/watch": {
      "get": {
        "operationId": "watch_register",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the register it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/mvregister/{key}": {
      "get": {
        "operationId": "read_mvregister",
        "tags": [
          "state"
        ],
        "summary": "Read a mvregister, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_mvregister",
        "tags": [
          "state"
        ],
        "summary": "Write a mvregister, naming the operation in the body: assign.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "allOf": [
                  {
                    "type": "object",
                    "required": [
                      "operation"
                    ],
                    "properties": {
                      "operation": {
                        "const": "assign"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "properties": {
                      "value": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "value"
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "put": {
        "operationId": "assign_mvregister",
        "tags": [
          "state"
        ],
        "summary": "Assign the mvregister.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "value": {
                    "type": "string",
                    "maxLength": 65536,
                    "description": "At most 65536 bytes of UTF-8."
                  }
                },
                "required": [
                  "value"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/mvregister/{key}/assign": {
      "post": {
        "operationId": "assign_mvregister",
        "tags": [
          "state"
        ],
        "summary": "assign on a mvregister. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "value": {
                    "type": "string",
                    "maxLength": 65536,
                    "description": "At most 65536 bytes of UTF-8."
                  }
                },
                "required": [
                  "value"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/mvregister/{key}/watch": {
      "get": {
        "operationId": "watch_mvregister",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the mvregister it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/set/{key}": {
      "get": {
        "operationId": "read_set",
        "tags": [
          "state"
        ],
        "summary": "Read a set, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_set",
        "tags": [
          "state"
        ],
        "summary": "Write a set, naming the operation in the body: add, remove.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "add"
                          }
                        }
                      },
                      {
                        "anyOf": [
                          {
                            "type": "object",
                            "properties": {
                              "element": {
                                "type": "string",
                                "maxLength": 65536,
                                "description": "At most 65536 bytes of UTF-8."
                              }
                            },
                            "required": [
                              "element"
                            ]
                          },
                          {
                            "type": "object",
                            "properties": {
                              "elements": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 4096,
                                "items": {
                                  "type": "string",
                                  "maxLength": 65536,
                                  "description": "At most 65536 bytes of UTF-8."
                                }
                              }
                            },
                            "required": [
                              "elements"
                            ]
                          }
                        ]
                      }
                    ]
                  },
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "remove"
                          }
                        }
                      },
                      {
                        "anyOf": [
                          {
                            "type": "object",
                            "properties": {
                              "element": {
                                "type": "string",
                                "maxLength": 65536,
                                "description": "At most 65536 bytes of UTF-8."
                              }
                            },
                            "required": [
                              "element"
                            ]
                          },
                          {
                            "type": "object",
                            "properties": {
                              "elements": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 4096,
                                "items": {
                                  "type": "string",
                                  "maxLength": 65536,
                                  "description": "At most 65536 bytes of UTF-8."
                                }
                              }
                            },
                            "required": [
                              "elements"
                            ]
                          }
                        ]
                      }
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/set/{key}/add": {
      "post": {
        "operationId": "add_set",
        "tags": [
          "state"
        ],
        "summary": "add on a set. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "anyOf": [
                  {
                    "type": "object",
                    "properties": {
                      "element": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "element"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "elements": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 4096,
                        "items": {
                          "type": "string",
                          "maxLength": 65536,
                          "description": "At most 65536 bytes of UTF-8."
                        }
                      }
                    },
                    "required": [
                      "elements"
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/set/{key}/remove": {
      "post": {
        "operationId": "remove_set",
        "tags": [
          "state"
        ],
        "summary": "remove on a set. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "anyOf": [
                  {
                    "type": "object",
                    "properties": {
                      "element": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "element"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "elements": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 4096,
                        "items": {
                          "type": "string",
                          "maxLength": 65536,
                          "description": "At most 65536 bytes of UTF-8."
                        }
                      }
                    },
                    "required": [
                      "elements"
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/set/{key}/watch": {
      "get": {
        "operationId": "watch_set",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the set it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/flag/{key}": {
      "get": {
        "operationId": "read_flag",
        "tags": [
          "state"
        ],
        "summary": "Read a flag, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_flag",
        "tags": [
          "state"
        ],
        "summary": "Write a flag, naming the operation in the body: enable, disable.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "enable"
                          }
                        }
                      },
                      {
                        "type": "object",
                        "properties": {}
                      }
                    ]
                  },
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "disable"
                          }
                        }
                      },
                      {
                        "type": "object",
                        "properties": {}
                      }
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/flag/{key}/enable": {
      "post": {
        "operationId": "enable_flag",
        "tags": [
          "state"
        ],
        "summary": "enable on a flag. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {}
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/flag/{key}/disable": {
      "post": {
        "operationId": "disable_flag",
        "tags": [
          "state"
        ],
        "summary": "disable on a flag. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {}
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/flag/{key}/watch": {
      "get": {
        "operationId": "watch_flag",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the flag it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/map/{key}": {
      "get": {
        "operationId": "read_map",
        "tags": [
          "state"
        ],
        "summary": "Read a map, merged from `level` owners.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateRead"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "patch": {
        "operationId": "patch_map",
        "tags": [
          "state"
        ],
        "summary": "Write a map, naming the operation in the body: update, remove-field.",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "update"
                          }
                        }
                      },
                      {
                        "oneOf": [
                          {
                            "type": "object",
                            "properties": {
                              "field": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 65536
                              },
                              "change": {
                                "enum": [
                                  "increment",
                                  "decrement"
                                ]
                              },
                              "by": {
                                "type": [
                                  "integer",
                                  "null"
                                ],
                                "minimum": -9223372036854775808,
                                "maximum": 9223372036854775807
                              }
                            },
                            "required": [
                              "field",
                              "change"
                            ]
                          },
                          {
                            "type": "object",
                            "properties": {
                              "field": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 65536
                              },
                              "change": {
                                "const": "assign"
                              },
                              "value": {
                                "type": "string",
                                "maxLength": 65536,
                                "description": "At most 65536 bytes of UTF-8."
                              }
                            },
                            "required": [
                              "field",
                              "change",
                              "value"
                            ]
                          },
                          {
                            "type": "object",
                            "properties": {
                              "field": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 65536
                              },
                              "change": {
                                "enum": [
                                  "add",
                                  "remove"
                                ]
                              },
                              "element": {
                                "type": "string",
                                "maxLength": 65536,
                                "description": "At most 65536 bytes of UTF-8."
                              }
                            },
                            "required": [
                              "field",
                              "change",
                              "element"
                            ]
                          },
                          {
                            "type": "object",
                            "properties": {
                              "field": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 65536
                              },
                              "change": {
                                "enum": [
                                  "enable",
                                  "disable"
                                ]
                              }
                            },
                            "required": [
                              "field",
                              "change"
                            ]
                          }
                        ]
                      }
                    ]
                  },
                  {
                    "allOf": [
                      {
                        "type": "object",
                        "required": [
                          "operation"
                        ],
                        "properties": {
                          "operation": {
                            "const": "remove-field"
                          }
                        }
                      },
                      {
                        "type": "object",
                        "properties": {
                          "field": {
                            "type": "string"
                          },
                          "type": {
                            "enum": [
                              "counter",
                              "register",
                              "set",
                              "flag"
                            ]
                          }
                        },
                        "required": [
                          "field",
                          "type"
                        ]
                      }
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/map/{key}/update": {
      "post": {
        "operationId": "update_map",
        "tags": [
          "state"
        ],
        "summary": "update on a map. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "increment",
                          "decrement"
                        ]
                      },
                      "by": {
                        "type": [
                          "integer",
                          "null"
                        ],
                        "minimum": -9223372036854775808,
                        "maximum": 9223372036854775807
                      }
                    },
                    "required": [
                      "field",
                      "change"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "const": "assign"
                      },
                      "value": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "field",
                      "change",
                      "value"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "add",
                          "remove"
                        ]
                      },
                      "element": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "field",
                      "change",
                      "element"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "enable",
                          "disable"
                        ]
                      }
                    },
                    "required": [
                      "field",
                      "change"
                    ]
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/map/{key}/remove-field": {
      "post": {
        "operationId": "remove_field_map",
        "tags": [
          "state"
        ],
        "summary": "remove-field on a map. Acknowledged (200), failed with nothing applied (503), or uncertain (504: it may have been applied and may still spread).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          },
          {
            "name": "level",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "one",
                "quorum",
                "all"
              ]
            },
            "description": "How many of the key's owners must answer (quorum unless given)."
          },
          {
            "name": "timeout_ms",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 600000
            },
            "description": "The deadline in milliseconds (5000 unless given)."
          },
          {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-fA-F]{32}$"
            },
            "description": "32 hex digits. Owners run each id once, so a client may resend a call or write with the same id safely; a new id is made when none is given."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "field": {
                    "type": "string"
                  },
                  "type": {
                    "enum": [
                      "counter",
                      "register",
                      "set",
                      "flag"
                    ]
                  }
                },
                "required": [
                  "field",
                  "type"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StateWrite"
                }
              }
            },
            "headers": {
              "X-Request-Id": {
                "description": "The id the write or call ran under.",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/state/map/{key}/watch": {
      "get": {
        "operationId": "watch_map",
        "tags": [
          "state"
        ],
        "summary": "On one of the key's owners (409 elsewhere): one JSON line per new state of the map it holds (NDJSON, endless).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$"
            },
            "description": "The key: 1 to 256 bytes of UTF-8, no '/' or control characters, percent-encoded in the path. One key, one spelling: invalid UTF-8 or a raw byte past ASCII is 400."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "$ref": "#/components/schemas/StateChange"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/events/{topic}": {
      "post": {
        "operationId": "publish",
        "summary": "Publish the body (JSON by convention, at most 768 bytes) on a topic.",
        "parameters": [
          {
            "name": "topic",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$"
            },
            "description": "Dot-separated segments of letters, digits, - and _, e.g. orders.created."
          }
        ],
        "requestBody": {
          "required": false,
          "description": "The payload, at most 768 bytes (it travels in one datagram); JSON by convention.",
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "maxProperties": 4,
                "propertyNames": {
                  "pattern": "^[a-z]{1,16}$"
                },
                "additionalProperties": {
                  "type": "string",
                  "pattern": "^[ -~]{0,32}$"
                }
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Accepted: gossiped to every member.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Event"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/events/{topic}/stream": {
      "get": {
        "operationId": "subscribeSSE",
        "summary": "Server-sent events for every event matching the pattern (`*` one segment, `#` any number), from now on (endless).",
        "parameters": [
          {
            "name": "topic",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^([A-Za-z0-9_-]+|[*#])(\\.([A-Za-z0-9_-]+|[*#]))*$"
            },
            "description": "A topic pattern: `*` matches one segment, `#` any number."
          },
          {
            "name": "named",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "true",
                "false"
              ]
            },
            "description": "false: plain messages, as EventSource.onmessage wants."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/events/{topic}/ws": {
      "get": {
        "operationId": "subscribeWebSocket",
        "summary": "The same as a WebSocket: one JSON text message per event. Without an Upgrade header: 426.",
        "parameters": [
          {
            "name": "topic",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^([A-Za-z0-9_-]+|[*#])(\\.([A-Za-z0-9_-]+|[*#]))*$"
            },
            "description": "A topic pattern: `*` matches one segment, `#` any number."
          }
        ],
        "responses": {
          "101": {
            "description": "Switching to the WebSocket."
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/events": {
      "get": {
        "operationId": "recentEvents",
        "summary": "The latest events this node delivered.",
        "parameters": [
          {
            "name": "pattern",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^([A-Za-z0-9_-]+|[*#])(\\.([A-Za-z0-9_-]+|[*#]))*$"
            },
            "description": "A topic pattern (# unless given)."
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200
            },
            "description": "At most this many (50 unless given)."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Event"
                  }
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/jobs": {
      "post": {
        "operationId": "submitJob",
        "summary": "Submit a job; it is split into work units that run across the mesh.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/JobSubmission"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Accepted and saved at quorum.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "get": {
        "operationId": "jobs",
        "summary": "Every job, newest first (without units).",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Job"
                  }
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/jobs/{id}": {
      "get": {
        "operationId": "job",
        "summary": "One job with its units.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-f]{32}$"
            },
            "description": "The job's id: 32 hex digits."
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/jobs/{id}/cancel": {
      "post": {
        "operationId": "cancelJob",
        "summary": "Ask a job to stop; 409 once it has finished.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-f]{32}$"
            },
            "description": "The job's id: 32 hex digits."
          }
        ],
        "responses": {
          "202": {
            "description": "Asked.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "id",
                    "status"
                  ],
                  "properties": {
                    "id": {
                      "type": "string"
                    },
                    "status": {
                      "const": "cancelling"
                    }
                  }
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/revocations": {
      "post": {
        "operationId": "revoke",
        "summary": "Learn a revocation signed by the authority (the bytes `peloton revoke` writes); it spreads by gossip.",
        "requestBody": {
          "required": true,
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary",
                "maxLength": 4096
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Revocation"
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/drain": {
      "post": {
        "operationId": "drain",
        "summary": "Hand this node's work over and stop it (as SIGTERM does). Answered before the drain starts.",
        "responses": {
          "202": {
            "description": "Draining.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "node",
                    "status"
                  ],
                  "properties": {
                    "node": {
                      "type": "string"
                    },
                    "status": {
                      "const": "draining"
                    }
                  }
                }
              }
            }
          },
          "default": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Required from clients that are not on loopback."
      }
    },
    "responses": {
      "Error": {
        "description": "Every failure, in one shape.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "headers": {
          "Retry-After": {
            "description": "On 503s a client may retry elsewhere at once: seconds to wait before retrying this node.",
            "schema": {
              "type": "string"
            }
          }
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error",
          "message"
        ],
        "additionalProperties": false,
        "properties": {
          "error": {
            "type": "string",
            "enum": [
              "handler",
              "badRequest",
              "noSuchService",
              "noSuchMethod",
              "notAcceptable",
              "noOwners",
              "unavailable",
              "deadlineExceeded",
              "notOffered",
              "overloaded",
              "uncertain",
              "unauthorized",
              "forbidden",
              "notFound",
              "methodNotAllowed",
              "conflict",
              "payloadTooLarge",
              "upgradeRequired",
              "requestTimeout",
              "headersTooLarge",
              "versionNotSupported",
              "tooManyConnections",
              "internalError"
            ]
          },
          "message": {
            "type": "string"
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "id",
          "name",
          "aliveMembers"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "starting",
              "draining",
              "leaving"
            ]
          },
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "aliveMembers": {
            "type": "integer"
          },
          "stateKeys": {
            "type": "integer"
          },
          "eventSubscribers": {
            "type": "integer"
          },
          "jobUnitsRunning": {
            "type": "integer"
          },
          "jobUnitsWaiting": {
            "type": "integer"
          }
        }
      },
      "Member": {
        "type": "object",
        "required": [
          "id",
          "name",
          "address",
          "status",
          "incarnation",
          "statusAgeSeconds",
          "isLocal",
          "isDraining"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "address": {
            "type": "string"
          },
          "httpAddress": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "alive",
              "suspect",
              "dead",
              "left"
            ]
          },
          "incarnation": {
            "type": "integer",
            "minimum": 0
          },
          "statusAgeSeconds": {
            "type": "number"
          },
          "isLocal": {
            "type": "boolean"
          },
          "isDraining": {
            "type": "boolean"
          }
        }
      },
      "Members": {
        "type": "object",
        "required": [
          "node",
          "members"
        ],
        "properties": {
          "node": {
            "type": "string"
          },
          "members": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Member"
            }
          }
        }
      },
      "Ring": {
        "type": "object",
        "required": [
          "node",
          "checksum",
          "virtualNodes",
          "members",
          "services"
        ],
        "properties": {
          "node": {
            "type": "string"
          },
          "checksum": {
            "type": "string"
          },
          "virtualNodes": {
            "type": "integer"
          },
          "members": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "name",
                "share"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "share": {
                  "type": "number"
                }
              }
            }
          },
          "services": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "versions",
                "replicas",
                "owners"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "versions": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "replicas": {
                  "type": "integer"
                },
                "owners": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              }
            }
          }
        }
      },
      "StateWriteBody": {
        "type": "object",
        "description": "The operation's argument: {\"by\": 2} for counters, {\"value\": \"x\"} for registers, {\"elements\": [\"a\"]} for sets, {\"field\": ..., ...} for maps; `operation` names it for PATCH.",
        "properties": {
          "operation": {
            "type": "string",
            "enum": {
              "update": {
                "oneOf": [
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "increment",
                          "decrement"
                        ]
                      },
                      "by": {
                        "type": [
                          "integer",
                          "null"
                        ],
                        "minimum": -9223372036854775808,
                        "maximum": 9223372036854775807
                      }
                    },
                    "required": [
                      "field",
                      "change"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "const": "assign"
                      },
                      "value": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "field",
                      "change",
                      "value"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "add",
                          "remove"
                        ]
                      },
                      "element": {
                        "type": "string",
                        "maxLength": 65536,
                        "description": "At most 65536 bytes of UTF-8."
                      }
                    },
                    "required": [
                      "field",
                      "change",
                      "element"
                    ]
                  },
                  {
                    "type": "object",
                    "properties": {
                      "field": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 65536
                      },
                      "change": {
                        "enum": [
                          "enable",
                          "disable"
                        ]
                      }
                    },
                    "required": [
                      "field",
                      "change"
                    ]
                  }
                ]
              },
              "remove-field": {
                "type": "object",
                "properties": {
                  "field": {
                    "type": "string"
                  },
                  "type": {
                    "enum": [
                      "counter",
                      "register",
                      "set",
                      "flag"
                    ]
                  }
                },
                "required": [
                  "field",
                  "type"
                ]
              }
            }
          },
          "by": {
            "type": "integer"
          },
          "value": {
            "type": "string"
          },
          "elements": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "field": {
            "type": "string"
          }
        }
      },
      "StateValue": {
        "description": "The merged value: a number (counters), a string or null (register), strings (mvregister, set), a boolean (flag) or an object (map).",
        "type": [
          "integer",
          "string",
          "null",
          "array",
          "boolean",
          "object"
        ]
      },
      "StateRead": {
        "type": "object",
        "required": [
          "type",
          "key",
          "level",
          "value",
          "writers"
        ],
        "properties": {
          "type": {
            "type": "string",
            "enum": [
              "gcounter",
              "counter",
              "register",
              "mvregister",
              "set",
              "flag",
              "map"
            ]
          },
          "key": {
            "type": "string"
          },
          "level": {
            "type": "string"
          },
          "value": {
            "$ref": "#/components/schemas/StateValue"
          },
          "writers": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "pruning": {
            "type": "object",
            "additionalProperties": {
              "type": "string",
              "enum": [
                "started",
                "done"
              ]
            }
          }
        }
      },
      "StateWrite": {
        "type": "object",
        "required": [
          "type",
          "key",
          "level",
          "value",
          "acknowledged",
          "owners"
        ],
        "properties": {
          "type": {
            "type": "string",
            "enum": [
              "gcounter",
              "counter",
              "register",
              "mvregister",
              "set",
              "flag",
              "map"
            ]
          },
          "key": {
            "type": "string"
          },
          "level": {
            "type": "string"
          },
          "value": {
            "$ref": "#/components/schemas/StateValue"
          },
          "acknowledged": {
            "type": "integer",
            "description": "Owners that hold the write."
          },
          "owners": {
            "type": "integer"
          },
          "servedBy": {
            "type": "string"
          }
        }
      },
      "StateChange": {
        "type": "object",
        "required": [
          "type",
          "key",
          "value"
        ],
        "properties": {
          "type": {
            "type": "string"
          },
          "key": {
            "type": "string"
          },
          "value": {
            "$ref": "#/components/schemas/StateValue"
          }
        }
      },
      "Event": {
        "type": "object",
        "required": [
          "id",
          "topic",
          "origin",
          "sequence",
          "publishedAt"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "topic": {
            "type": "string"
          },
          "origin": {
            "type": "string"
          },
          "originName": {
            "type": "string"
          },
          "sequence": {
            "type": "integer",
            "minimum": 0
          },
          "publishedAt": {
            "type": "integer",
            "minimum": 0,
            "description": "Milliseconds since 1970."
          },
          "payload": {
            "type": "string",
            "description": "The payload when it is UTF-8."
          },
          "payloadBase64": {
            "type": "string"
          }
        }
      },
      "JobSubmission": {
        "type": "object",
        "required": [
          "job",
          "input"
        ],
        "properties": {
          "job": {
            "type": "string",
            "description": "A job this node's binary was built with (e.g. montecarlo)."
          },
          "input": {
            "description": "The job's input, any JSON."
          },
          "priority": {
            "type": "integer",
            "minimum": -1000,
            "maximum": 1000
          },
          "then": {
            "type": "array",
            "maxItems": 16,
            "items": {
              "type": "string"
            },
            "description": "Later stages: each one's input is the stage before's result."
          }
        }
      },
      "Job": {
        "type": "object",
        "required": [
          "id",
          "job",
          "priority",
          "status",
          "progressPercent",
          "unitsDone",
          "unitCount",
          "submittedAt"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "job": {
            "type": "string"
          },
          "priority": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "queued",
              "running",
              "done",
              "failed",
              "cancelled"
            ]
          },
          "progressPercent": {
            "type": "number"
          },
          "unitsDone": {
            "type": "integer"
          },
          "unitCount": {
            "type": "integer"
          },
          "submittedAt": {
            "type": "integer"
          },
          "finishedAt": {
            "type": "integer"
          },
          "result": {},
          "error": {
            "type": "string"
          },
          "then": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "next": {
            "type": "string"
          },
          "units": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "status",
                "attempts"
              ],
              "properties": {
                "status": {
                  "type": "string"
                },
                "attempts": {
                  "type": "integer"
                },
                "error": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "Revocation": {
        "type": "object",
        "required": [
          "node",
          "isNew"
        ],
        "properties": {
          "node": {
            "type": "string"
          },
          "isNew": {
            "type": "boolean",
            "description": "False when this node knew it already."
          }
        }
      }
    }
  }
}
"""##
}
