Feature: Backup & Replication errors
  Errors are answered 400 (malformed or incomplete body), 401 (missing, invalid or expired
  authorization), 403 (not enough privileges) or 500 (server error), with the JSON error model
  `{errorCode, message, resourceId}`. A refused token has been seen answered with an empty body.

  @VBR-07
  Scenario: An incomplete token request is a 400 with the error model
    When I ask for a token with a user name but no password
    Then the answer is 400 Bad Request
    And the answer carries the error model

  @VBR-07
  Scenario: A token request without a grant type is a 400 with the error model
    When I ask for a token without a grant type
    Then the answer is 400 Bad Request
    And the answer carries the error model

  @VBR-07 @VBR-12 @doc-conflict
  Scenario: A request without authorization is a 401
    When I get the server information without authorization
    Then the answer follows one of the documented readings:
      | answer                    | reading                                        | emulator |
      | 401 with the error model  | the reference: errors carry the JSON model     | yes      |
      | 401 with an empty body    | observed servers: a refused token, empty body  |          |

  @VBR-12 @doc-conflict
  Scenario: A made-up access token is a 401
    When I get the server information with a made-up token
    Then the answer follows one of the documented readings:
      | answer                    | reading                                        | emulator |
      | 401 with the error model  | the reference: errors carry the JSON model     | yes      |
      | 401 with an empty body    | observed servers: a refused token, empty body  |          |

  @VBR-12 @VBR-10 @doc-conflict @slow
  Scenario: An expired access token is a 401
    Given I am logged on to Backup & Replication
    When the access token's lifetime and 1 minute pass without requests
    And I get the server information
    Then the answer follows one of the documented readings:
      | answer                    | reading                                        | emulator |
      | 401 with the error model  | the reference: errors carry the JSON model     | yes      |
      | 401 with an empty body    | observed servers: a refused token, empty body  |          |

  @VBR-12 @emulator-only
  Scenario: The emulator can answer a refused token with an empty body
    Given the emulator answers refused tokens with an empty body
    When I get the server information with a made-up token
    Then the answer is 401 Unauthorized
    And the answer body is empty

  @VBR-07 @emulator-only
  Scenario: Not enough privileges is a 403 with the error model
    Given I am logged on to Backup & Replication as a user without privileges
    When I start the first job
    Then the answer is 403 Forbidden
    And the answer carries the error model with the code "AccessDenied"

  @VBR-07 @emulator-only
  Scenario: A server error is a 500 with the error model
    Given I am logged on to Backup & Replication
    And the emulator fails the next request with a server error
    When I get the server information
    Then the answer is 500 Internal Server Error
    And the answer carries the error model

  @VBR-07 @undocumented @needs-em
  Scenario: An Enterprise Manager session token is refused
    Given I logged on to Enterprise Manager and logged off again
    When I get the server information sending the Enterprise Manager token as a bearer token
    Then the answer is 401 Unauthorized
