@zvm-appliance
Feature: ZVM Appliance realm: scope, token lifetimes and logout
  The Appliance's tokens come from its Keycloak realm `zerto`. Whether `/v1` needs a token issued
  with `scope=openid` is disputed; the tokens are short-lived; a refresh token can be used more
  than once; Keycloak's logout with the refresh token ends both tokens.

  @ZVM-11 @doc-conflict
  Scenario: A token issued without scope=openid
    Zerto's hosted quick start says such a token is refused; Appliance clients send no scope.
    Given I am logged on to the ZVM Appliance
    When I get the local site with the bearer token
    Then the answer follows one of the documented readings:
      | answer | reading                                        | emulator |
      | 200    | accepted (Appliance clients send no scope)     | yes      |
      | 401    | refused (the hosted service's quick start)     |          |

  @ZVM-11
  Scenario: A token issued with scope=openid is accepted
    Given I am logged on to the ZVM Appliance with the openid scope
    When I get the local site with the bearer token
    Then the answer is 200 OK

  @ZVM-11 @emulator-only
  Scenario: A realm that needs openid refuses a token issued without it
    Given the emulator refuses tokens issued without the openid scope
    And I am logged on to the ZVM Appliance
    When I get the local site with the bearer token
    Then the answer is 401 Unauthorized

  @ZVM-11 @emulator-only
  Scenario: A realm that needs openid accepts a token issued with it
    Given the emulator refuses tokens issued without the openid scope
    And I am logged on to the ZVM Appliance with the openid scope
    When I get the local site with the bearer token
    Then the answer is 200 OK

  @ZVM-12 @emulator-only
  Scenario: The emulator's default lifetimes are Keycloak's
    When I ask the appliance for a token with my user name and password
    Then the answer is 200 OK
    And the JSON number "expires_in" is 300
    And the JSON number "refresh_expires_in" is 1800

  @ZVM-12
  Scenario: A refresh token can be used more than once
    Given I am logged on to the ZVM Appliance
    When I refresh the appliance token
    And I refresh the appliance token
    Then the answer is 200 OK
    And the answer is an OpenID Connect token set
    And the new bearer token works

  @ZVM-12 @slow
  Scenario: The access token is refused once its lifetime has passed
    Given I am logged on to the ZVM Appliance
    When 301 seconds pass without requests
    Then the bearer token is refused
    And the refresh token still works

  @ZVM-12 @slow
  Scenario: The refresh token is refused once its lifetime has passed
    Given I am logged on to the ZVM Appliance
    When 1801 seconds pass without requests
    Then the refresh token is refused

  @ZVM-13
  Scenario: The Keycloak logout with the refresh token ends both tokens
    Given I am logged on to the ZVM Appliance
    When I log out of the ZVM Appliance
    Then the answer is 204 No Content
    And the bearer token is refused
    And the refresh token is refused

  @ZVM-13 @undocumented
  Scenario: A logout without the refresh token ends nothing
    The emulator answers 400 (Keycloak's answer to a back-channel logout naming no session).
    Given I am logged on to the ZVM Appliance
    When I log out of the ZVM Appliance without the refresh token
    Then the answer is a client error
    And the bearer token still works
    And the refresh token still works
