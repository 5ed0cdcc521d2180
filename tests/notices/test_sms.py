"""SMS through a provider interface (issue #23 point 2): the 腾讯云短信 adapter builds the SDK's SendSms
request from the admin's configuration (the SDK client's send call is mocked: no network); the secret key
is written in the admin and never shown back; with no provider configured, the configured class (the test
double here, the log in the demo) sends."""

from unittest import mock

import pytest
from django.urls import reverse
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.sms.v20210111 import models as tc
from tencentcloud.sms.v20210111.sms_client import SmsClient

from notices import outbox, senders
from notices.models import Channel, Delivery, SmsProvider
from notices.senders import MemorySmsProvider, SendFailed, TencentSmsProvider

pytestmark = pytest.mark.django_db
KEY = "tc-secret-key-0123456789"


@pytest.fixture
def tencent():
    return SmsProvider.objects.create(
        kind=SmsProvider.Kind.TENCENT,
        secret_id="AKIDexample",
        secret_key=KEY,
        region="ap-beijing",
        sdk_app_id="1400787878",
        sign_name="河西区城管",
        template_id="449739",
        param_max_length=20,
    )


def answer(code="Ok", message="send success"):
    response = tc.SendSmsResponse()
    status = tc.SendStatus()
    status.Code, status.Message, status.PhoneNumber = code, message, "+8613800000001"
    response.SendStatusSet = [status]
    return response


def sms_channel(world, address="138 0000 0001"):
    return Channel.objects.create(
        name="王科长短信", kind=Channel.Kind.SMS, user=world.p.department, address=address
    )


def test_the_tencent_adapter_builds_the_send_request_from_the_admins_configuration(world, tencent):
    channel = sms_channel(world)
    with mock.patch.object(SmsClient, "SendSms", autospec=True, return_value=answer()) as send:
        senders.send(channel, "【派遣】202612070001 暴露垃圾", "**金桥街 12 号**门前垃圾堆放")
    [(client, request)] = [call.args for call in send.call_args_list]
    assert request.PhoneNumberSet == ["+8613800000001"]
    assert request.SmsSdkAppId == "1400787878"
    assert request.SignName == "河西区城管"
    assert request.TemplateId == "449739"
    text = "【派遣】202612070001 暴露垃圾：金桥街 12 号门前垃圾堆放"
    assert request.TemplateParamSet == [text[:20]]  # the template's variable, cut to its length
    assert client.credential.secretId == "AKIDexample" and client.credential.secretKey == KEY
    assert client.region == "ap-beijing"
    assert MemorySmsProvider.sent == []  # the configured provider, not the default class


def test_a_refused_message_is_retried_by_the_outbox_with_the_providers_reason(world, tencent):
    from notices.models import Notice

    channel = sms_channel(world)
    notice = Notice.objects.create(key="t:1", kind=Notice.Kind.DISPATCHED, user=world.p.department, title="t")
    Delivery.objects.create(notice=notice, channel=channel)
    refused = answer("LimitExceeded.PhoneNumberDailyLimit", "daily limit")
    with mock.patch.object(SmsClient, "SendSms", autospec=True, return_value=refused):
        result = outbox.send_due()
    assert result.retry == 1 and result.sent == 0
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING and "PhoneNumberDailyLimit" in delivery.last_error


def test_an_sdk_error_is_a_send_failure(world, tencent):
    provider = TencentSmsProvider(tencent)
    error = TencentCloudSDKException("AuthFailure.SecretIdNotFound", "secret id not found")
    with mock.patch.object(SmsClient, "SendSms", autospec=True, side_effect=error):
        with pytest.raises(SendFailed, match="AuthFailure.SecretIdNotFound"):
            provider.send("+85261234567", "x")
    assert provider.request("+85261234567", "x").PhoneNumberSet == ["+85261234567"]


def test_without_a_configured_provider_the_default_class_sends(world, tencent):
    tencent.is_active = False
    tencent.save()
    senders.send(sms_channel(world), "标题", "内容")
    assert MemorySmsProvider.sent == [("138 0000 0001", "标题：内容")]


def test_the_admin_never_shows_the_secret_key_back_and_blank_keeps_it(admin_client, tencent):
    url = reverse("admin:notices_smsprovider_change", args=[tencent.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert KEY not in page.content.decode() and "AKIDexample" in page.content.decode()
    form = {
        "kind": "tencent",
        "is_active": "on",
        "secret_id": "AKIDexample",
        "secret_key": "",
        "region": "ap-beijing",
        "sdk_app_id": "1400787878",
        "sign_name": "河西区城管",
        "template_id": "449739",
        "param_max_length": "20",
    }
    assert admin_client.post(url, {**form, "template_id": "500000"}).status_code == 302
    tencent.refresh_from_db()
    assert tencent.secret_key == KEY and tencent.template_id == "500000"
    assert admin_client.post(url, {**form, "secret_key": "new-key"}).status_code == 302
    tencent.refresh_from_db()
    assert tencent.secret_key == "new-key"
    assert "new-key" not in admin_client.get(url).content.decode()


def test_the_admin_refuses_a_tencent_provider_without_its_key(admin_client):
    form = {"kind": "tencent", "is_active": "on", "region": "ap-guangzhou", "param_max_length": "35"}
    page = admin_client.post(reverse("admin:notices_smsprovider_add"), form)
    assert page.status_code == 200 and "腾讯云短信缺少" in page.content.decode()
    assert not SmsProvider.objects.exists()
