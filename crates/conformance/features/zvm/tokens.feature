@zvm-appliance
Feature: ZVM Appliance OpenID Connect tokens
  The ZVM Appliance (Zerto 10 on Linux) logs on with OpenID Connect instead of
  `/v1/session/add`: a form post to the Keycloak token endpoint with `client_id=zerto-client`.
  The access token travels as `Authorization: Bearer`, and a refresh grant renews it.

  @ZVM-09
  Scenario: A password grant answers with a token set
    When I ask the appliance for a token with my user name and password
    Then the answer is 200 OK
    And the answer is an OpenID Connect token set

  @ZVM-09
  Scenario: The bearer token authorises the same /v1 resources
    Given I am logged on to the ZVM Appliance
    When I get the local site with the bearer token
    Then the answer is 200 OK

  @ZVM-09
  Scenario: A refresh grant renews the token
    Given I am logged on to the ZVM Appliance
    When I refresh the appliance token
    Then the answer is 200 OK
    And the answer is an OpenID Connect token set
    And the new bearer token works

  @ZVM-09
  Scenario: A bearer token the realm never issued is refused
    When I get the local site with a made-up bearer token
    Then the answer is 401 Unauthorized

  @ZVM-09
  Scenario: An unknown user is refused
    When I ask the appliance for a token with an unknown user name
    Then the answer is a client error

  @ZVM-09 @wrong-password
  Scenario: A wrong password for a real account is refused
    When I ask the appliance for a token with a wrong password for my account
    Then the answer is a client error

  @ZVM-09 @emulator-only
  Scenario: A client-credentials grant answers a token set
    The automation client's id and secret are known only to the emulator.
    When I ask the appliance for a token with the emulator's client id and secret
    Then the answer is 200 OK
    And the JSON has the fields "access_token, expires_in, token_type"
