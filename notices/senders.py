"""Sending one message through one channel: the 企业微信 and 钉钉 group robots (their webhook formats),
SMS through a provider interface, email. Each raises on failure, so the outbox retries.

- 钉钉 custom robot with 加签: POST to the webhook with `&timestamp=<ms>&sign=<urlencoded base64 of
  HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>")>`; body {"msgtype": "markdown", "markdown":
  {"title", "text"}}; the answer is JSON with errcode 0 on success (130101: sent too fast).
- 企业微信 group robot: POST to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key> (the webhook
  URL holds the key); body {"msgtype": "markdown", "markdown": {"content"}}; errcode 0 on success
  (45009: over the 20-a-minute limit).
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from notices.models import Channel
from notices.models import SmsProvider as SmsProviderConfig


class SendFailed(Exception):
    pass


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def _post_json(url: str, body: dict) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=settings.NOTICES_TIMEOUT_SECONDS) as response:  # noqa: S310
        answer = response.read()
        if not 200 <= response.status < 300:
            raise SendFailed(f"HTTP {response.status}")
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError as exc:
        raise SendFailed(f"not JSON: {answer[:200]!r}") from exc
    if parsed.get("errcode", 0) != 0:
        raise SendFailed(f"errcode {parsed.get('errcode')}: {parsed.get('errmsg', '')}")
    return parsed


def send(channel: Channel, title: str, text: str) -> None:
    if channel.kind == Channel.Kind.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        _post_json(dingtalk_url(channel.webhook_url, channel.secret), body)
    elif channel.kind == Channel.Kind.WECOM:
        _post_json(channel.webhook_url, {"msgtype": "markdown", "markdown": {"content": text}})
    elif channel.kind == Channel.Kind.SMS:
        sms_provider().send(channel.address, f"{title}：{_plain(text)}"[:300])
    elif channel.kind == Channel.Kind.EMAIL:
        send_mail(title, _plain(text), None, [channel.address], fail_silently=False)
    else:
        raise SendFailed(f"unknown channel kind {channel.kind}")


def _plain(text: str) -> str:
    return text.replace("**", "").replace("#### ", "")


# ---------------------------------------------------------------- SMS providers


class SmsProvider:
    """send(phone, text) → None, raising on failure. The admin's active SmsProvider row chooses the
    adapter (TencentSmsProvider); with none, NOTICES_SMS_PROVIDER names the class."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LogSmsProvider(SmsProvider):
    """The default until a provider is contracted: writes the message to the log (the demo's SMS)."""

    def send(self, phone: str, text: str) -> None:
        import logging

        logging.getLogger("notices.sms").info("短信 → %s：%s", phone, text)


class MemorySmsProvider(SmsProvider):
    """The test double: keeps every message in `sent`; `fail` makes the next sends raise."""

    sent: list[tuple[str, str]] = []
    fail = False

    def send(self, phone: str, text: str) -> None:
        if MemorySmsProvider.fail:
            raise SendFailed("SMS gateway down")
        MemorySmsProvider.sent.append((phone, text))


class TencentSmsProvider(SmsProvider):
    """腾讯云短信 (SendSms, API 2021-01-11) through Tencent Cloud's own SDK, tencentcloud-sdk-python-sms.

    Why this provider: of the two SDKs the issue names, both maintained (released 2026), Tencent's
    installs as two small packages on `requests` (common + sms), where Alibaba Cloud's
    alibabacloud_dysmsapi20170525 brings 17 (aiohttp, APScheduler, cryptography, its Tea runtime…)
    into every web and worker process for one HTTP call. Another provider is one more adapter here.

    The message goes as the single variable {1} of the configured notification template (cut to the
    template's variable length); a status other than "Ok" raises, so the outbox retries.
    """

    def __init__(self, config: SmsProviderConfig):
        self.config = config

    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(reqTimeout=settings.NOTICES_TIMEOUT_SECONDS)
        return sms_client.SmsClient(
            credential.Credential(self.config.secret_id, self.config.secret_key),
            self.config.region,
            ClientProfile(httpProfile=http),
        )

    def request(self, phone: str, text: str):
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [e164(phone)]
        request.SmsSdkAppId = self.config.sdk_app_id
        request.SignName = self.config.sign_name
        request.TemplateId = self.config.template_id
        request.TemplateParamSet = [text[: self.config.param_max_length]]
        return request

    def send(self, phone: str, text: str) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        try:
            response = self.client().SendSms(self.request(phone, text))
        except TencentCloudSDKException as exc:
            raise SendFailed(f"腾讯云短信 {exc.get_code()}: {exc.get_message()}") from exc
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            status = statuses[0] if statuses else None
            raise SendFailed(f"腾讯云短信 {getattr(status, 'Code', '?')}: {getattr(status, 'Message', '')}")


def e164(phone: str) -> str:
    """A mainland mobile number in the +86 form the gateways want; one with a + is left as it is."""
    phone = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return phone if phone.startswith("+") else f"+86{phone}"


ADAPTERS = {
    SmsProviderConfig.Kind.TENCENT: TencentSmsProvider,
    SmsProviderConfig.Kind.LOG: lambda config: LogSmsProvider(),
}


def sms_provider() -> SmsProvider:
    config = SmsProviderConfig.objects.filter(is_active=True).first()
    if config is not None:
        return ADAPTERS[config.kind](config)
    return import_string(settings.NOTICES_SMS_PROVIDER)()
